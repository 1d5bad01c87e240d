-- idea_info gains each idea's votes (all of them, whatever their date) and
-- the local day of its latest vote: a query cut at day E reads an idea's
-- votes before E as `votes` when last_vote_day < E, and counts engagements
-- only for the ideas voted on E or later (queries/derived.go keeps both).
ALTER TABLE idea_info ADD COLUMN votes BIGINT;
ALTER TABLE idea_info ADD COLUMN last_vote_day INTEGER;
UPDATE idea_info
   SET votes = v.n, last_vote_day = v.last_day
  FROM (SELECT ik, count(*) AS n, max(day) AS last_day FROM engagements WHERE kind = 1 GROUP BY ik) v
 WHERE v.ik = idea_info.ik;
