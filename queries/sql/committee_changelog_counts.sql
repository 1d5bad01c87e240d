-- The decisions of committee_changelog.sql's filters ($lo, $hi, $site,
-- $challenge; not $decision) counted by decision: what the page's
-- decision filter offers, and the changelog's total.
SELECT count(*) FILTER (WHERE decision = 'retained'),
       count(*) FILTER (WHERE decision = 'postponed'),
       count(*) FILTER (WHERE decision = 'rejected'),
       count(*) FILTER (WHERE decision = 'implemented')
  FROM changelog
 WHERE decided_at >= $lo::TIMESTAMPTZ AND decided_at < $hi::TIMESTAMPTZ
   AND ($site = '' OR site_id = $site)
   AND ($challenge = '' OR idea_id IN (SELECT idea_id FROM ideas WHERE challenge_id = $challenge));
