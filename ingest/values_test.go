package ingest

import (
	"testing"
	"time"

	"relais/internal/testfixture"
	"relais/queries"
)

func TestParseDateAcceptsEveryFormOfTheContract(t *testing.T) {
	loc := testfixture.Paris(t)
	p := newDateParser(loc, false)
	pm := newDateParser(loc, true)
	at := func(y, mo, d, h, mi, s, ns int, l *time.Location) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, l)
	}
	for _, tc := range []struct {
		name, in string
		mdy      bool
		want     time.Time
		hasTime  bool
	}{
		{"iso date", "2026-10-01", false, at(2026, 10, 1, 0, 0, 0, 0, loc), false},
		{"iso T minutes", "2026-10-01T09:30", false, at(2026, 10, 1, 9, 30, 0, 0, loc), true},
		{"iso space minutes", "2026-10-01 09:30", false, at(2026, 10, 1, 9, 30, 0, 0, loc), true},
		{"iso T seconds", "2026-10-01T09:30:15", false, at(2026, 10, 1, 9, 30, 15, 0, loc), true},
		{"iso space seconds", "2026-10-01 09:30:15", false, at(2026, 10, 1, 9, 30, 15, 0, loc), true},
		{"iso fraction", "2026-10-01T09:30:15.123456", false, at(2026, 10, 1, 9, 30, 15, 123456000, loc), true},
		{"iso comma fraction", "2026-10-01 09:30:15,5", false, at(2026, 10, 1, 9, 30, 15, 500000000, loc), true},
		{"iso Z", "2026-10-01T09:30:15Z", false, at(2026, 10, 1, 9, 30, 15, 0, time.UTC), true},
		{"iso minutes Z", "2026-10-01T09:30Z", false, at(2026, 10, 1, 9, 30, 0, 0, time.UTC), true},
		{"iso offset colon", "2026-10-01T09:30:15+02:00", false, at(2026, 10, 1, 7, 30, 15, 0, time.UTC), true},
		{"iso fraction offset no colon", "2026-10-01T09:30:15.5-0500", false, at(2026, 10, 1, 14, 30, 15, 500000000, time.UTC), true},
		{"iso offset hours", "2026-10-01T09:30:15+02", false, at(2026, 10, 1, 7, 30, 15, 0, time.UTC), true},
		{"dd/mm/yyyy", "01/10/2026", false, at(2026, 10, 1, 0, 0, 0, 0, loc), false},
		{"d/m/yyyy day first", "1/2/2026", false, at(2026, 2, 1, 0, 0, 0, 0, loc), false},
		{"d/m/yyyy month first", "1/2/2026", true, at(2026, 1, 2, 0, 0, 0, 0, loc), false},
		{"mdy 12/31", "12/31/2026", true, at(2026, 12, 31, 0, 0, 0, 0, loc), false},
		{"dd/mm/yyyy HH", "01/10/2026 09", false, at(2026, 10, 1, 9, 0, 0, 0, loc), true},
		{"dd/mm/yyyy HH:MM", "01/10/2026 09:30", false, at(2026, 10, 1, 9, 30, 0, 0, loc), true},
		{"dd/mm/yyyy HH:MM:SS", "01/10/2026 09:30:15", false, at(2026, 10, 1, 9, 30, 15, 0, loc), true},
		{"consul offset", "2024-03-15 10:20:30 +0100", false, at(2024, 3, 15, 9, 20, 30, 0, time.UTC), true},
		{"UTC suffix", "2024-03-15 10:20:30 UTC", false, at(2024, 3, 15, 10, 20, 30, 0, time.UTC), true},
		{"summer local", "2026-07-01 12:00", false, at(2026, 7, 1, 10, 0, 0, 0, time.UTC), true},
		{"leap day", "29/02/2028", false, at(2028, 2, 29, 0, 0, 0, 0, loc), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pp := p
			if tc.mdy {
				pp = pm
			}
			got, hasTime, err := pp.parse(tc.in)
			if err != nil {
				t.Fatalf("parse(%q): %v", tc.in, err)
			}
			if !got.Equal(tc.want) || hasTime != tc.hasTime {
				t.Fatalf("parse(%q) = %v (time %v), want %v (time %v)", tc.in, got, hasTime, tc.want, tc.hasTime)
			}
		})
	}
}

func TestParseDateRefusesWhatIsNotADate(t *testing.T) {
	p := newDateParser(testfixture.Paris(t), false)
	for _, in := range []string{
		"", "yesterday", "2026-13-01", "2026-02-30", "31/02/2026", "2026/10/01", "01/10/26",
		"2026-10-01T25:00", "2026-10-01T09:60", "2026-10-01T", "2026-10-01 09:30 PST", "2026-10-01 09:30:15 +1",
		"01/10/2026 9:3", "1.5", "2026-10-01T09:30:15.", "2026-1-01", "13/13/2026", "00/10/2026", "0001-01-01", "01/01/3000",
	} {
		if got, _, err := p.parse(in); err == nil {
			t.Errorf("parse(%q) = %v, want an error", in, got)
		}
	}
}

func TestExcelSerialHonoursThe1904DateSystem(t *testing.T) {
	loc := testfixture.Paris(t)
	p := newDateParser(loc, false)
	want := time.Date(2026, 10, 1, 9, 0, 0, 0, loc)
	// 2026-10-01 is serial 46296 in the 1900 system, 1462 less in 1904.
	for _, tc := range []struct {
		name string
		in   string
		d    bool
	}{{"1900", "46296.375", false}, {"1904", "44834.375", true}} {
		t.Run(tc.name, func(t *testing.T) {
			got, hasTime, ok := p.excelSerial(tc.in, tc.d)
			if !ok || !hasTime || !got.Equal(want) {
				t.Fatalf("excelSerial(%q, %v) = %v %v %v, want %v", tc.in, tc.d, got, hasTime, ok, want)
			}
		})
	}
	if _, _, ok := p.excelSerial("01/10/2026", false); ok {
		t.Fatal("a text date is not a serial")
	}
}

func TestParseIntAcceptsThousandsSeparators(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		xlsx     bool
		want     int64
		ok       bool
	}{
		{"plain", "1200", false, 1200, true},
		{"space", "1 200", false, 1200, true},
		{"nbsp", "1\u00a0200", false, 1200, true},
		{"narrow nbsp", "12\u202f345\u202f678", false, 12345678, true},
		{"negative", "-3", false, -3, true},
		{"text", "beaucoup", false, 0, false},
		{"float in csv", "3.0", false, 0, false},
		{"float in xlsx", "3.0", true, 3, true},
		{"exponent in xlsx", "1.2E3", true, 1200, true},
		{"fraction in xlsx", "3.5", true, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseInt(tc.in, tc.xlsx)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("parseInt(%q) = %d %v, want %d %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestXLSXNumbersForIdentifiersReadAsTheirText(t *testing.T) {
	for in, want := range map[string]string{"1001": "1001", "1.001E3": "1001", "1001.0": "1001", "1.5": "1.5", "A-1.0": "A-1.0", "1E+3": "1000"} {
		if got := normalizeXLSXNumber(in); got != want {
			t.Errorf("normalizeXLSXNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHeadersMatchWhateverTheirCaseAccentsAndSeparators(t *testing.T) {
	for _, tc := range []struct {
		dataset, header, want string
	}{
		{"ideas", "Date de mise en œuvre", "implemented_at"},
		{"ideas", "DATE-DE-MISE-EN-OEUVRE", "implemented_at"},
		{"ideas", "date_de_creation", "created_at"},
		{"ideas", "Created At", "created_at"},
		{"ideas", "title/fr", "title"},
		{"ideas", "Titre/pt-BR", "title"},
		{"ideas", "Titre / fr", "title"},
		{"ideas", "title /en", "title"},
		{"ideas", "Idée", "idea_id"},
		{"ideas", "Défi", "challenge_id"},
		{"ideas", "Faisabilité", "feasibility"},
		{"ideas", "Résout", "solves_idea_id"},
		{"ideas", "Réplique", "replicates_idea_id"},
		{"votes", "Idée", "idea_id"},
		{"votes", "Votant", "voter_id"},
		{"votes", "Date du vote", "voted_at"},
		{"challenges", "Défi", "challenge_id"},
		{"challenges", "Début", "starts_on"},
		{"challenges", "Fin", "ends_on"},
		{"activity", "Date", "occurred_at"},
		{"activity", "Identifiant", "person_id"},
		{"people", "Identifiant", "person_id"},
		{"people", "Rôle", "role"},
		{"people", "Nom affiché", "display_name"},
		{"people", "Ambassadeur depuis", "ambassador_since"},
		{"people", "Formé le", "trained_on"},
		{"people", "Parti le", "left_on"},
		{"sites", "Site", "site_id"},
		{"sites", "Nom", "name"},
		{"sites", "Région", "region"},
		{"sites", "Effectif", "headcount"},
		{"comments", "Commentaire", "comment_id"},
		{"comments", "Auteur", "author_id"},
		{"surveys", "Date de réponse", "answered_at"},
		{"surveys", "Note", "score"},
		{"decisions", "Décision", "decision"},
		{"decisions", "Motif", "reason"},
		{"decisions", "Date de décision", "decided_at"},
		{"ideas", "Statut", "status"},
		{"ideas", "Thème", "theme"},
		{"ideas", "Type", "kind"},
	} {
		t.Run(tc.dataset+"/"+tc.header, func(t *testing.T) {
			ds, _ := queries.LookupDataset(tc.dataset)
			if got := headerIndex(ds)[headerKey(tc.header)]; got != tc.want {
				t.Fatalf("%s header %q = %q, want %q", tc.dataset, tc.header, got, tc.want)
			}
		})
	}
	if got := headerKey("scope/id"); got != "scopeid" {
		t.Errorf(`headerKey("scope/id") = %q: "/id" is not a locale`, got)
	}
}

func TestNoHeaderNamesTwoColumnsOfOneDataset(t *testing.T) {
	for _, ds := range queries.Datasets() {
		seen := map[string]string{}
		add := func(h, c string) {
			k := fold(h)
			if prev, ok := seen[k]; ok && prev != c {
				if synonyms, ok := datasetSynonyms[ds.Name]; ok {
					for header := range synonyms {
						if fold(header) == k {
							return // a dataset-specific meaning decides
						}
					}
				}
				t.Errorf("%s: header %q names both %s and %s", ds.Name, h, prev, c)
			}
			seen[k] = c
		}
		for _, c := range ds.Columns {
			add(c.Name, c.Name)
			for _, s := range synonyms[c.Name] {
				add(s, c.Name)
			}
		}
	}
}

func TestEnumValuesAcceptEnglishAndFrenchWords(t *testing.T) {
	ideas, _ := queries.LookupDataset("ideas")
	people, _ := queries.LookupDataset("people")
	decisions, _ := queries.LookupDataset("decisions")
	status, _ := ideas.Column("status")
	kind, _ := ideas.Column("kind")
	role, _ := people.Column("role")
	decision, _ := decisions.Column("decision")
	for _, tc := range []struct {
		col  queries.Column
		in   string
		want string
	}{
		{status, "submitted", "submitted"}, {status, "In Review", "in_review"}, {status, "in_review", "in_review"},
		{status, "soumise", "submitted"}, {status, "Soumis", "submitted"}, {status, "en étude", "in_review"},
		{status, "EN ETUDE", "in_review"}, {status, "retenue", "retained"}, {status, "Retenu", "retained"},
		{status, "reportée", "postponed"}, {status, "reporte", "postponed"}, {status, "refusée", "rejected"},
		{status, "réalisée", "implemented"}, {status, "mise en œuvre", "implemented"}, {status, "Mis en oeuvre", "implemented"},
		{status, "retirée", "withdrawn"}, {status, "Retiré", "withdrawn"},
		{decision, "Retenue", "retained"}, {decision, "mise en oeuvre", "implemented"},
		{role, "collaborateur", "collaborator"}, {role, "Collaboratrice", "collaborator"}, {role, "ambassadeur", "ambassador"},
		{role, "Ambassadrice", "ambassador"}, {role, "équipe cœur", "core_team"}, {role, "Equipe coeur", "core_team"},
		{role, "core team", "core_team"}, {role, "Sponsor", "sponsor"},
		{kind, "idée", "idea"}, {kind, "Irritant", "irritant"}, {kind, "solution", "solution"}, {kind, "bonne pratique", "practice"},
	} {
		t.Run(tc.col.Name+"/"+tc.in, func(t *testing.T) {
			if got := enumLookup(tc.col.Name, tc.col.Values)[fold(tc.in)]; got != tc.want {
				t.Fatalf("%s %q = %q, want %q", tc.col.Name, tc.in, got, tc.want)
			}
		})
	}
	if _, ok := enumLookup("decision", decision.Values)[fold("soumise")]; ok {
		t.Error("submitted is not a decision")
	}
}

func TestDatasetIsInferredFromTheFileNameThenTheHeader(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"ideas.csv", "ideas"}, {"2026-11_votes.xlsx", "votes"}, {"export idées.csv", "ideas"},
		{"commentaires-2026.csv", "comments"}, {"activite.csv", "activity"}, {"personnes.xlsx", "people"},
		{"defis.csv", "challenges"}, {"enquetes.csv", "surveys"}, {"decisions.csv", "decisions"}, {"sites.csv", "sites"},
		{"ideas.csv.rejects.csv", "ideas"}, {"ideas_votes.csv", ""}, {"export.csv", ""}, {"videos.csv", ""},
		{"exports/votes/ideas.csv", "ideas"}, {"/tmp/2026-11_votes.xlsx", "votes"}, {"personnes/export.csv", ""},
	} {
		got, _ := datasetFromFileName(tc.name)
		if got != tc.want {
			t.Errorf("datasetFromFileName(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got, _ := datasetFromHeader([]string{"Idée", "Votant", "Date du vote"}); got != "votes" {
		t.Errorf("votes header read as %q", got)
	}
	if got, ok := datasetFromHeader([]string{"a", "b"}); ok {
		t.Errorf("an unknown header read as %q", got)
	}
}
