package dashboards

// The challenges page (/challenges) and its JSON (/api/v1/challenges):
// per challenge (défi), its ideas, participants and votes per site, and
// which sites took it up (docs/pages.md, "Challenges").

import (
	"context"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"relais/queries"
)

// challengesAnswer is the data of the page and of /api/v1/challenges.
type challengesAnswer struct {
	AsOf       string              `json:"as_of"`
	Challenges []queries.Challenge `json:"challenges"`
}

type challengesBody struct {
	Challenges []queries.Challenge
	// Sites is the number of loaded sites (a group-wide challenge is open
	// to all of them).
	Sites int
}

func (s *Server) challenges(ctx context.Context, asOf time.Time) ([]queries.Challenge, error) {
	key := fmt.Sprintf("challenges|%s", asOf.Format(dateLayout))
	return cached(ctx, s, key, func(ctx context.Context) ([]queries.Challenge, error) {
		return s.opts.DB.Challenges(ctx, asOf)
	})
}

// loadChallenges reads the challenges of the request's as-of date.
func (s *Server) loadChallenges(c *gin.Context) (*queries.Snapshot, *challengesAnswer, error) {
	ctx := c.Request.Context()
	asOf, snap, err := s.requestSnapshot(c)
	if err != nil {
		return nil, nil, err
	}
	list, err := s.challenges(ctx, asOf)
	if err != nil {
		return snap, nil, err
	}
	return snap, &challengesAnswer{AsOf: snap.Doc.AsOf, Challenges: list}, nil
}

func (s *Server) challengesPage(c *gin.Context) { s.servePage(c, "challenges", s.challengesView) }

func (s *Server) apiChallenges(c *gin.Context) { answerLoaded(s, c, s.loadChallenges) }

// challengesView fills the view of the page and names its template.
func (s *Server) challengesView(c *gin.Context, v *view) (string, error) {
	snap, d, err := s.loadChallenges(c)
	if err != nil {
		return "", err
	}
	s.fillCommon(v, snap)
	v.Title = v.T("challenges")
	v.JSONURL = v.URL("/api/v1/challenges", "as_of", snap.Doc.AsOf, "lang", "")
	v.Body = challengesBody{Challenges: d.Challenges, Sites: len(snap.Doc.Sites)}
	return "challenges", nil
}

// challengeSitesShown bounds the sites a challenge's card lists (those
// with the most ideas in it) and the sites it names as not having taken it
// up: listing all 1,500 sites of a network made the page 7.8 MB. The JSON
// lists them all (docs/pages.md, "Challenges").
const challengeSitesShown = 20

// ShownSites are the sites a challenge's card lists: those with the most
// ideas in it (the query's order).
func (b challengesBody) ShownSites(c queries.Challenge) []queries.ChallengeSite {
	return c.Sites[:min(len(c.Sites), challengeSitesShown)]
}

// ShownNotTakenUp are the sites a challenge's card names as not having
// taken it up.
func (b challengesBody) ShownNotTakenUp(c queries.Challenge) []queries.SiteRef {
	return c.NotTakenUp[:min(len(c.NotTakenUp), challengeSitesShown)]
}

// MoreSites is how many sites with ideas in a challenge its card leaves
// out.
func (b challengesBody) MoreSites(c queries.Challenge) int {
	return len(c.Sites) - len(b.ShownSites(c))
}

// MoreNotTakenUp is how many sites not having taken a challenge up its
// card leaves unnamed.
func (b challengesBody) MoreNotTakenUp(c queries.Challenge) int {
	return len(c.NotTakenUp) - len(b.ShownNotTakenUp(c))
}

// OpenTo is how many sites a challenge was open to: every loaded site, or
// its own.
func (b challengesBody) OpenTo(c queries.Challenge) int {
	if c.SiteID == "" {
		return b.Sites
	}
	return 1
}
