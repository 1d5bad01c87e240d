package dashboards

import (
	"strings"

	"relais/queries"
)

// flagReasons says why each flag of a site holds with the site's own
// numbers against the threshold or the group (docs/kpis.md "Flags"):
// "Adoption 18 % against 59 % for the group", not the rule alone. A flag
// whose numbers are unknown falls back to the rule's sentence.
type flagReasons struct {
	v *view
	// groupAdoption is the group's adoption; ideasTarget the first target
	// on ideas_per_site_median (hasIdeasTarget says there is one); day the
	// program day.
	groupAdoption  *float64
	ideasTarget    float64
	hasIdeasTarget bool
	day            int
}

func newFlagReasons(v *view, doc *queries.Document) flagReasons {
	r := flagReasons{v: v, groupAdoption: doc.Overall.Adoption, day: doc.Program.Day}
	for _, t := range doc.Targets {
		if t.ID == "ideas_per_site_median" {
			r.ideasTarget, r.hasIdeasTarget = t.Target, true
			break
		}
	}
	return r
}

// sentence is the reason of one flag of a site.
func (r flagReasons) sentence(s queries.Site, flag string) string {
	v := r.v
	fill := func(key string, kv ...string) string {
		return strings.NewReplacer(kv...).Replace(v.T(key))
	}
	f := s.Figures
	switch flag {
	case queries.FlagNoActiveAmbassador:
		return fill("wb_reason_no_active_ambassador", "{ambassadors}", v.N(f.Ambassadors))
	case queries.FlagUnderCovered:
		if f.PeoplePerAmbassador != nil {
			return fill("wb_reason_under_covered", "{people}", num(v.Lang, *f.PeoplePerAmbassador, 0))
		}
		if f.Headcount != nil {
			return fill("wb_reason_under_covered_none", "{headcount}", v.N(*f.Headcount))
		}
	case queries.FlagLowAdoption:
		if f.Adoption != nil && r.groupAdoption != nil {
			return fill("wb_reason_low_adoption", "{site}", v.F("adoption", f.Adoption), "{group}", v.F("adoption", r.groupAdoption))
		}
	case queries.FlagMAUDrop:
		if f.MAUChange != nil {
			return fill("wb_reason_mau_drop", "{mau}", v.N(f.MAU), "{previous}", v.N(f.MAUPrevious), "{change}", v.F("mau_change", f.MAUChange))
		}
	case queries.FlagIdeasBehind:
		if r.hasIdeasTarget {
			expected := r.ideasTarget * float64(min(90, max(0, r.day))) / 90
			return fill("wb_reason_ideas_behind", "{ideas}", v.N(f.Ideas), "{expected}", num(v.Lang, expected, 1))
		}
	case queries.FlagSlowResponse:
		if f.ResponseSLAShare != nil {
			return fill("wb_reason_slow_response", "{share}", v.F("response_sla_share", f.ResponseSLAShare))
		}
	}
	return v.FlagText(flag)
}
