-- Weekly series (Monday-based local weeks, oldest first) for one site
-- ($site) or overall ($site = ''). Weeks start at local midnights generated
-- from $lo (a Monday) every 7 calendar days (ICU arithmetic in the session
-- time zone, so DST weeks are 167 or 169 hours); facts are placed in their
-- week with an ASOF join on the week start. Nothing at or after the end of
-- D counts.
-- active_people: overall every person id seen in the activity facts; for a
-- site the site's people. active_ambassadors: those who are ambassadors on
-- the week's last date (its Sunday, or D for the week of D).
-- Ideas, votes and comments count on loaded, non-withdrawn ideas of the
-- site (any site overall); decisions are first decisions (the earliest of
-- ideas.decided_at and decisions.decided_at) falling in the week, with the
-- median of (first decision - created_at) in days, clamped at 0.
WITH bounds AS (
    -- Week starts, plus the Monday after the last week (idx = weeks).
    SELECT (row_number() OVER (ORDER BY lo) - 1)::BIGINT AS idx, lo
      FROM generate_series($lo::TIMESTAMPTZ, $after_lo::TIMESTAMPTZ, INTERVAL 7 DAY) AS t(lo)
),
wk AS (
    SELECT idx, lo, lo::DATE AS week_start, least(lo::DATE + 6, $d::DATE) AS week_end
      FROM bounds
     WHERE lo < $end_d::TIMESTAMPTZ
),
site_people AS (
    SELECT person_id FROM people WHERE site_id = $site
),
facts AS (
    SELECT person_id AS pid, occurred_at AS ts
      FROM activity
     WHERE occurred_at >= $lo::TIMESTAMPTZ AND occurred_at < $end_d::TIMESTAMPTZ
    UNION ALL
    SELECT author_id, created_at
      FROM ideas
     WHERE author_id IS NOT NULL AND created_at >= $lo::TIMESTAMPTZ AND created_at < $end_d::TIMESTAMPTZ
    UNION ALL
    SELECT voter_id, voted_at
      FROM votes
     WHERE voted_at >= $lo::TIMESTAMPTZ AND voted_at < $end_d::TIMESTAMPTZ
    UNION ALL
    SELECT author_id, created_at
      FROM comments
     WHERE created_at >= $lo::TIMESTAMPTZ AND created_at < $end_d::TIMESTAMPTZ
),
who AS (
    SELECT pid, ts FROM facts
     WHERE $site = '' OR pid IN (SELECT person_id FROM site_people)
),
-- The 20M activity rows are placed in their week without sorting them
-- (an ASOF join would) nor converting each to a local date: idx_b =
-- floor((t - lo + 1 h) / 7 days) is the week or the next one whenever DST
-- moves a boundary by at most an hour, and one comparison with the exact
-- start of week idx_b (a hash join on 27 rows) settles it.
week_people AS (
    SELECT DISTINCT CASE WHEN who.ts >= b.lo THEN b.idx ELSE b.idx - 1 END AS idx, who.pid
      FROM who
      JOIN bounds b ON b.idx = (epoch_us(who.ts) - $lo_us + 3600000000) // 604800000000
),
act AS (
    SELECT wk.week_start,
           count(*) AS people,
           count(*) FILTER (WHERE p.role = 'ambassador'
                              AND (p.ambassador_since IS NULL OR p.ambassador_since <= wk.week_end)
                              AND (p.left_on IS NULL OR p.left_on > wk.week_end)) AS ambassadors
      FROM week_people w
      JOIN wk ON wk.idx = w.idx
      LEFT JOIN people p ON p.person_id = w.pid
     GROUP BY wk.week_start
),
idea AS (
    SELECT idea_id, kind, created_at,
           CASE WHEN decided_at < $end_d::TIMESTAMPTZ THEN decided_at END AS decided_at
      FROM ideas
     WHERE created_at < $end_d::TIMESTAMPTZ
       AND status <> 'withdrawn'
       AND ($site = '' OR site_id = $site)
),
created AS (
    SELECT wk.week_start,
           count(*) AS ideas,
           count(*) FILTER (WHERE kind = 'idea') AS k_idea,
           count(*) FILTER (WHERE kind = 'irritant') AS k_irritant,
           count(*) FILTER (WHERE kind = 'solution') AS k_solution,
           count(*) FILTER (WHERE kind = 'practice') AS k_practice
      FROM (SELECT * FROM idea WHERE created_at >= $lo::TIMESTAMPTZ) i
      ASOF JOIN wk ON i.created_at >= wk.lo
     GROUP BY wk.week_start
),
vote_weeks AS (
    SELECT wk.week_start, count(*) AS votes
      FROM (SELECT v.voted_at FROM votes v JOIN idea ON idea.idea_id = v.idea_id
             WHERE v.voted_at >= $lo::TIMESTAMPTZ AND v.voted_at < $end_d::TIMESTAMPTZ) v
      ASOF JOIN wk ON v.voted_at >= wk.lo
     GROUP BY wk.week_start
),
comment_weeks AS (
    SELECT wk.week_start, count(*) AS comments
      FROM (SELECT c.created_at FROM comments c JOIN idea ON idea.idea_id = c.idea_id
             WHERE c.created_at >= $lo::TIMESTAMPTZ AND c.created_at < $end_d::TIMESTAMPTZ) c
      ASOF JOIN wk ON c.created_at >= wk.lo
     GROUP BY wk.week_start
),
dec AS (
    SELECT idea_id, min(decided_at) AS first_at
      FROM decisions
     WHERE decided_at < $end_d::TIMESTAMPTZ
     GROUP BY idea_id
),
first_decisions AS (
    SELECT i.created_at,
           CASE WHEN d.first_at IS NULL OR i.decided_at <= d.first_at
                THEN coalesce(i.decided_at, d.first_at)
                ELSE d.first_at END AS first_at
      FROM idea i
      LEFT JOIN dec d ON d.idea_id = i.idea_id
),
decided AS (
    SELECT wk.week_start,
           count(*) AS decisions,
           quantile_cont(greatest(epoch_us(f.first_at) - epoch_us(f.created_at), 0) / 86400000000.0, 0.5) AS delay
      FROM (SELECT * FROM first_decisions WHERE first_at >= $lo::TIMESTAMPTZ) f
      ASOF JOIN wk ON f.first_at >= wk.lo
     GROUP BY wk.week_start
)
SELECT strftime(wk.week_start, '%Y-%m-%d'),
       strftime(wk.week_end, '%Y-%m-%d'),
       coalesce(act.people, 0),
       coalesce(act.ambassadors, 0),
       coalesce(created.ideas, 0),
       coalesce(created.k_idea, 0),
       coalesce(created.k_irritant, 0),
       coalesce(created.k_solution, 0),
       coalesce(created.k_practice, 0),
       coalesce(vote_weeks.votes, 0),
       coalesce(comment_weeks.comments, 0),
       coalesce(decided.decisions, 0),
       decided.delay
  FROM wk
  LEFT JOIN act USING (week_start)
  LEFT JOIN created USING (week_start)
  LEFT JOIN vote_weeks USING (week_start)
  LEFT JOIN comment_weeks USING (week_start)
  LEFT JOIN decided USING (week_start)
 ORDER BY wk.week_start;
