package dashboards

// The idea view (/ideas/{id}) and its JSON (/api/v1/ideas/{id}): one idea
// as loaded on the as-of date: title, site, kind, status history (creation,
// decisions, implementation, status today), votes, comments, decisions;
// the author only for readers who may see the site's people by name
// (docs/security.md). Every idea list links here through IdeaURL.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"relais/dashboards/auth"
	"relais/queries"
)

// ideaAnswer is the data of the idea view and of /api/v1/ideas/{id}.
type ideaAnswer struct {
	AsOf string              `json:"as_of"`
	Idea *queries.IdeaDetail `json:"idea"`
}

// ideaEvent is one line of an idea's status history; a zero At is the
// status as loaded (today's, undated).
type ideaEvent struct {
	At     time.Time
	Status string // the status the idea reached, or "" for decided
	Key    string // the page word saying what happened
	Reason *string
}

type ideaBody struct {
	Idea    *queries.IdeaDetail
	History []ideaEvent
	// ShowAuthor says the reader may see the author's name.
	ShowAuthor bool
}

// IdeaURL is the idea view of an idea, keeping the as-of date and the
// language.
func (v *view) IdeaURL(id string) string { return v.URL("/ideas/" + url.PathEscape(id)) }

// StatusOne is an idea status said of one idea ("Retenue").
func (v *view) StatusOne(status string) string { return v.T("status_one_" + status) }

// mayNameAuthor says whether the reader may see by name the people of a
// site: everyone without sign-in, the core team, an ambassador of it.
func mayNameAuthor(ctx context.Context, site string) bool {
	u := auth.FromContext(ctx)
	return u == nil || u.CanSeeNamedPeople(site)
}

// loadIdea reads the idea of the request as of its date, its author
// blanked for a reader who may not see them.
func (s *Server) loadIdea(c *gin.Context) (*queries.Snapshot, *ideaAnswer, error) {
	ctx := c.Request.Context()
	asOf, snap, err := s.requestSnapshot(c)
	if err != nil {
		return nil, nil, err
	}
	id := c.Param("id")
	key := fmt.Sprintf("idea|%s|%s", asOf.Format(dateLayout), id)
	idea, err := cached(ctx, s, key, func(ctx context.Context) (*queries.IdeaDetail, error) {
		return s.opts.DB.IdeaDetail(ctx, asOf, id)
	})
	if errors.Is(err, queries.ErrNoIdea) {
		return snap, nil, notFoundError{msg: fmt.Sprintf("idea %q is not loaded on %s", id, asOf.Format(dateLayout))}
	}
	if err != nil {
		return snap, nil, err
	}
	shown := *idea // a copy: the cached one is shared
	if !mayNameAuthor(ctx, shown.SiteID) {
		shown.AuthorID, shown.AuthorName = nil, nil
	}
	return snap, &ideaAnswer{AsOf: snap.Doc.AsOf, Idea: &shown}, nil
}

func (s *Server) ideaPage(c *gin.Context) { s.servePage(c, "sites", s.idea) }

func (s *Server) apiIdea(c *gin.Context) { answerLoaded(s, c, s.loadIdea) }

// idea fills the view of the idea page and names its template.
func (s *Server) idea(c *gin.Context, v *view) (string, error) {
	snap, d, err := s.loadIdea(c)
	var nf notFoundError
	if errors.As(err, &nf) && snap != nil {
		// The page says it in the reader's language (the JSON in English).
		return "", notFoundError{msg: nf.msg, key: "error_idea", args: []any{c.Param("id"), v.Day(snap.Doc.AsOf)}}
	}
	if err != nil {
		return "", err
	}
	s.fillCommon(v, snap)
	v.Title = v.T("idea") + " " + d.Idea.IdeaID
	v.JSONURL = v.URL("/api/v1/ideas/"+url.PathEscape(d.Idea.IdeaID), "as_of", snap.Doc.AsOf, "lang", "")
	v.Body = ideaBody{Idea: d.Idea, History: ideaHistory(d.Idea), ShowAuthor: mayNameAuthor(c.Request.Context(), d.Idea.SiteID)}
	return "idea", nil
}

// ideaHistory is an idea's status history, oldest first: its creation,
// each decision of the changelog, the idea's own decision date when the
// changelog has no decision on that date (date-only exports stamp it
// 00:00), its implementation, then the status as loaded (exports carry
// today's status, not its history).
func ideaHistory(d *queries.IdeaDetail) []ideaEvent {
	out := []ideaEvent{{At: d.CreatedAt, Key: "event_created"}}
	decidedOn := map[string]bool{} // local dates with a decision
	for _, dec := range d.Decisions {
		out = append(out, ideaEvent{At: dec.DecidedAt, Status: dec.Decision, Key: "event_decision", Reason: dec.Reason})
		decidedOn[dec.DecidedAt.Format(dateLayout)] = true
	}
	if d.DecidedAt != nil && !decidedOn[d.DecidedAt.Format(dateLayout)] {
		out = append(out, ideaEvent{At: *d.DecidedAt, Key: "event_decided"})
	}
	if d.ImplementedAt != nil {
		out = append(out, ideaEvent{At: *d.ImplementedAt, Status: "implemented", Key: "event_implemented"})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return append(out, ideaEvent{Status: d.Status, Key: "event_status_now"})
}
