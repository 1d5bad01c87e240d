-- Of a site's ideas_implemented (status implemented, implemented_at or else
-- decided_at in P), those created before the program start S: the count
-- that tells ideas_implemented from ideas_by_status.implemented, which
-- counts the ideas created in P.
SELECT count(*)
  FROM ideas
 WHERE site_id = $site
   AND status = 'implemented'
   AND created_at < $program_start::TIMESTAMPTZ
   AND coalesce(implemented_at, decided_at) >= $program_start::TIMESTAMPTZ
   AND coalesce(implemented_at, decided_at) < $as_of_end::TIMESTAMPTZ;
