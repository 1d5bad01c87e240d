package dashboards

// The data page (/data) and its JSON (/api/v1/data): what is loaded, the
// ingest log, the inbox and the data-quality report.

import (
	"time"

	"github.com/gin-gonic/gin"

	"relais/queries"
)

// dataReport is the data of the data page and /api/v1/data.
type dataReport struct {
	DataVersion int64                    `json:"data_version"`
	Quality     queries.DataQuality      `json:"data_quality"`
	IngestLog   []queries.IngestLogEntry `json:"ingest_log"`
	Inbox       *InboxState              `json:"inbox"`
	Snapshot    *snapshotInfo            `json:"snapshot"`
	// RetentionMonths is retention.activity in months (0: kept forever):
	// the page says what is deleted at each load (docs/security.md).
	RetentionMonths int `json:"retention_activity_months"`
	// DataUntil is the local date of the latest dated row loaded, null
	// when none is (docs/pages.md, "Data freshness").
	DataUntil *string `json:"data_until"`
}

type snapshotInfo struct {
	AsOf       string    `json:"as_of"`
	ComputedAt time.Time `json:"computed_at"`
	Seconds    float64   `json:"seconds"`
}

func (s *Server) loadData(c *gin.Context) (*dataReport, error) {
	ctx := c.Request.Context()
	q, err := s.dataQuality(ctx)
	if err != nil {
		return nil, err
	}
	log, err := s.ingestLog(ctx)
	if err != nil {
		return nil, err
	}
	nonNil(&log)
	nonNil(&q.Rows)
	nonNil(&q.Dangling)
	nonNil(&q.LastIngest)
	r := &dataReport{DataVersion: s.opts.DB.Version(), Quality: q, IngestLog: log, RetentionMonths: s.opts.RetentionMonths}
	f, err := s.freshness(ctx)
	if err != nil {
		return nil, err
	}
	if f.ok {
		until := f.day.Format(dateLayout)
		r.DataUntil = &until
	}
	if s.inbox != nil {
		st := s.inbox.state()
		r.Inbox = &st
	}
	if snap := s.opts.Snapshots.Latest(); snap != nil {
		r.Snapshot = &snapshotInfo{AsOf: snap.AsOf.Format(dateLayout), ComputedAt: snap.ComputedAt, Seconds: snap.Duration.Seconds()}
	}
	return r, nil
}

func (s *Server) dataPage(c *gin.Context) { s.servePage(c, "data", s.dataOverview) }

// dataOverview fills the view of the page and names its template.
func (s *Server) dataOverview(c *gin.Context, v *view) (string, error) {
	asOf, err := s.parseAsOf(c.Request)
	if err != nil {
		return "", err
	}
	r, err := s.loadData(c)
	if err != nil {
		return "", err
	}
	v.AsOf = asOf.Format(dateLayout)
	v.Title = v.T("data")
	v.JSONURL = v.URL("/api/v1/data", "lang", "")
	v.ExcelURL = v.URL("/export.xlsx", "as_of", v.AsOf, "lang", v.Lang)
	v.Body = r
	if len(r.Quality.Rows) > 0 {
		ids := make([]string, len(r.Quality.Rows))
		part := namedCounts{name: v.T("rows")}
		for i, row := range r.Quality.Rows {
			ids[i] = row.Dataset
			part.values = append(part.values, row.Rows)
		}
		ch, err := barsBySite(v, "chart-data-rows", v.T("loaded"), ids, []namedCounts{part})
		if err != nil {
			return "", err
		}
		v.Charts = append(v.Charts, ch)
	}
	return "data", nil
}
