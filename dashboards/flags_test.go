package dashboards

import (
	"testing"

	"relais/queries"
)

func TestFlagSentenceWordsEveryCaseWithItsNumbers(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	n := func(x int64) *int64 { return &x }
	doc := &queries.Document{Program: queries.Program{Day: 45}}
	doc.Overall.Adoption = f(0.591)
	doc.Overall.ResponseSLAShare = f(0.77)
	doc.Targets = []queries.TargetResult{{ID: "ideas_per_site_median", Target: 10, Pace: 5}}
	site := func(fig queries.Figures) queries.Site { return queries.Site{SiteID: "S", Figures: fig} }
	cases := []struct {
		name, lang, flag string
		site             queries.Site
		want             string
	}{
		{"no ambassador at all", langFR, queries.FlagNoActiveAmbassador, site(queries.Figures{}), "Aucun ambassadeur"},
		{"three inactive", langEN, queries.FlagNoActiveAmbassador, site(queries.Figures{Ambassadors: 3}), "3 ambassadors, none active in the last 30 days"},
		{"two ambassadors", langFR, queries.FlagUnderCovered, site(queries.Figures{Headcount: n(410), Ambassadors: 2, PeoplePerAmbassador: f(205)}),
			"410 personnes pour 2 ambassadeurs, soit 205 par ambassadeur (au-delà de 150)"},
		{"a fraction per ambassador", langEN, queries.FlagUnderCovered, site(queries.Figures{Headcount: n(1017), Ambassadors: 6, PeoplePerAmbassador: f(169.5)}),
			"1,017 people for 6 ambassadors: 169.5 per ambassador (over 150)"},
		{"none for 60 people", langFR, queries.FlagUnderCovered, site(queries.Figures{Headcount: n(60)}),
			"60 personnes et aucun ambassadeur (un ambassadeur est attendu dès 50 personnes)"},
		// 29.5 % against a threshold of 29.55 %: whole percents, or one
		// decimal, would read the same, so both get two.
		{"close to the threshold", langEN, queries.FlagLowAdoption, site(queries.Figures{Adoption: f(0.295)}),
			"Adoption 29.50% against 59% for the group (threshold: half the group's, 29.55%)"},
		{"one idea behind", langFR, queries.FlagIdeasBehind, site(queries.Figures{Ideas: 1}),
			"1 idée depuis le début du programme, sous le seuil de 2,5 (moitié des 5 attendues au jour 45 pour une cible de 10 par site au jour 90)"},
		{"slow", langEN, queries.FlagSlowResponse, site(queries.Figures{ResponseSLAShare: f(0.42)}),
			"42% of ideas answered within 5 business days against 77% for the group (threshold: 50%)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := &view{Lang: c.lang, tr: translations[c.lang], doc: doc}
			if got := v.FlagSentence(c.site, c.flag); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
	// Without a document the rule in words stands in.
	v := &view{Lang: langEN, tr: translations[langEN]}
	if got := v.FlagSentence(site(queries.Figures{}), queries.FlagSlowResponse); got != translations[langEN].Definitions[queries.FlagSlowResponse] {
		t.Errorf("without a document: %q", got)
	}
}
