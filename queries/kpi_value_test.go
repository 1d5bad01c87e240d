package queries

import (
	"encoding/json"
	"testing"
)

func TestOverallValueAgreesWithTheJSONOfEveryNumericKey(t *testing.T) {
	n := 0.0
	next := func() *float64 { n++; v := n; return &v }
	hc := int64(500)
	o := Overall{Sites: 7, StrugglingSites: 2,
		SitesWithActiveAmbassadorShare: next(), IdeasPerSiteMedian: next(), DecisionDelayReduction: next(),
		Figures: Figures{Headcount: &hc, MAU: 11, MAUPrevious: 12, MAUChange: next(), Adoption: next(),
			Ambassadors: 13, ActiveAmbassadors: 14, ActiveAmbassadorRate: next(), PeoplePerAmbassador: next(),
			Ideas: 15, IdeasImplemented: 16, DecisionDelayDays: next(), DecisionDelayBaselineDays: next(),
			OldestOpenIdeaDays: next(), ResponseSLAShare: next(), VotesPerIdea: next(), QualityScore: next(),
			ScoredShare: next(), CrossSiteShare: next(), Replications: 17, TimeToKnowledgeDays: next(),
			ENPSResponses: 18, ENPS: next()}}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, key := range OverallKeys() {
		t.Run(key, func(t *testing.T) {
			got := o.Value(key)
			want, isNumber := m[key].(float64)
			if !isNumber {
				if got != nil || numericOverallKey(key) {
					t.Fatalf("%s is not a number in JSON, Value = %v, numeric = %v", key, got, numericOverallKey(key))
				}
				return
			}
			if got == nil || *got != want || !numericOverallKey(key) {
				t.Fatalf("Value(%q) = %v, JSON has %v", key, got, want)
			}
		})
	}
	if o.Value("nope") != nil || (Overall{}).Value("enps") != nil {
		t.Fatal("an unknown key or a null figure must give nil")
	}
}
