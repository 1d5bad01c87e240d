-- The latest dated row loaded: the greatest instant over the datasets'
-- event columns (activity, ideas created / decided / implemented, votes,
-- comments, decisions, survey answers), NULL when none is loaded. Planned
-- dates (challenges, people's role dates) are not events and do not count.
SELECT max(t) FROM (
    SELECT max(occurred_at) AS t FROM activity
    UNION ALL SELECT max(created_at) FROM ideas
    UNION ALL SELECT max(decided_at) FROM ideas
    UNION ALL SELECT max(implemented_at) FROM ideas
    UNION ALL SELECT max(voted_at) FROM votes
    UNION ALL SELECT max(created_at) FROM comments
    UNION ALL SELECT max(decided_at) FROM decisions
    UNION ALL SELECT max(answered_at) FROM surveys
)
