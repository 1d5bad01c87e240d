-- The challenges (défis) the committee page filters on, the latest to
-- start first, then by challenge_id.
SELECT challenge_id, title, coalesce(site_id, ''), starts_on, ends_on
  FROM challenges
 ORDER BY starts_on DESC, challenge_id;
