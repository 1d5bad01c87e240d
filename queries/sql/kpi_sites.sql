-- The known sites, sorted by site_id: one row of the document's `sites` each.
SELECT site_id, name, headcount
  FROM sites
 ORDER BY site_id;
