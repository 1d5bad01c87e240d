package ingest

import (
	"path/filepath"
	"strings"

	"relais/queries"
)

// headerKey is the form in which a header is compared to canonical names:
// a locale suffix ("title/fr", "title/pt-BR") removed, then folded.
func headerKey(h string) string {
	return fold(stripLocale(h))
}

// stripLocale removes a trailing "/xx", "/xx-YY" or "/xx_YY" locale suffix.
// "/id" is not a locale: Decidim's "scope/id" keeps it.
func stripLocale(h string) string {
	h = strings.TrimSpace(h)
	i := strings.LastIndexByte(h, '/')
	if i <= 0 {
		return h
	}
	// Spaces around the slash are allowed ("Titre / fr").
	suf := strings.TrimSpace(h[i+1:])
	letters := func(s string) bool {
		for j := 0; j < len(s); j++ {
			c := s[j] | 0x20
			if c < 'a' || c > 'z' {
				return false
			}
		}
		return true
	}
	ok := false
	switch {
	case len(suf) == 2 && letters(suf):
		ok = !strings.EqualFold(suf, "id")
	case len(suf) == 5 && (suf[2] == '-' || suf[2] == '_') && letters(suf[:2]) && letters(suf[3:]):
		ok = true
	}
	if !ok {
		return h
	}
	return strings.TrimSpace(h[:i])
}

// synonyms are the other headers (English and French) of a canonical
// column, in whichever dataset has that column. docs/data.md's French table is
// the minimum; more are welcome.
var synonyms = map[string][]string{
	"site_id":            {"site", "code site", "id site", "identifiant site", "site code", "établissement"},
	"name":               {"nom", "nom du site", "site name", "libellé"},
	"region":             {"région"},
	"headcount":          {"effectif", "effectifs", "employees", "nombre de salariés"},
	"person_id":          {"personne", "person", "identifiant personne", "matricule", "user id", "collaborateur"},
	"role":               {"rôle", "fonction"},
	"display_name":       {"nom affiché", "nom", "name", "nom complet"},
	"ambassador_since":   {"ambassadeur depuis", "ambassadrice depuis"},
	"trained_on":         {"formé le", "formée le", "date de formation"},
	"left_on":            {"parti le", "partie le", "date de départ"},
	"author_id":          {"auteur", "autrice", "author", "auteur id"},
	"kind":               {"type", "nature"},
	"title":              {"titre", "intitulé"},
	"status":             {"statut", "état"},
	"created_at":         {"date de création", "créé le", "créée le", "date création", "created"},
	"decided_at":         {"date de décision", "décidé le", "décidée le"},
	"implemented_at":     {"date de mise en œuvre", "mis en œuvre le", "mise en œuvre le", "date de réalisation", "réalisé le", "réalisée le"},
	"impact":             {"impact"},
	"feasibility":        {"faisabilité"},
	"challenge_id":       {"challenge"},
	"theme":              {"thème", "thématique"},
	"solves_idea_id":     {"résout", "solves"},
	"replicates_idea_id": {"réplique", "replicates"},
	"voter_id":           {"votant", "votante", "voter"},
	"voted_at":           {"date du vote", "date de vote", "voté le"},
	"comment_id":         {"commentaire", "comment", "id commentaire"},
	"occurred_at":        {"date de l'action", "horodatage", "timestamp"},
	"action":             {"action", "événement", "event"},
	"starts_on":          {"début", "date de début", "starts", "start"},
	"ends_on":            {"fin", "date de fin", "ends", "end"},
	"answered_at":        {"date de réponse", "répondu le"},
	"score":              {"note", "score"},
	"decision":           {"décision"},
	"reason":             {"motif", "raison", "commentaire de décision"},
}

// datasetSynonyms give a header a meaning that depends on the dataset being
// read (docs/data.md: `Idée` is the key of ideas and the idea a vote points to;
// `Défi` is the key of challenges and an idea's challenge; `Date` is
// occurred_at in activity). They override the general synonyms.
var datasetSynonyms = map[string]map[string]string{
	"sites":      {"id": "site_id", "identifiant": "site_id"},
	"people":     {"id": "person_id", "identifiant": "person_id"},
	"ideas":      {"id": "idea_id", "identifiant": "idea_id", "idée": "idea_id", "idea": "idea_id", "défi": "challenge_id", "date": "created_at"},
	"votes":      {"idée": "idea_id", "idea": "idea_id", "date": "voted_at"},
	"comments":   {"id": "comment_id", "identifiant": "comment_id", "idée": "idea_id", "idea": "idea_id", "date": "created_at"},
	"activity":   {"identifiant": "person_id", "date": "occurred_at"},
	"challenges": {"id": "challenge_id", "identifiant": "challenge_id", "défi": "challenge_id", "challenge": "challenge_id", "titre": "title"},
	"surveys":    {"identifiant": "person_id", "date": "answered_at"},
	"decisions":  {"idée": "idea_id", "idea": "idea_id", "date": "decided_at"},
}

// headerIndex maps folded headers to the canonical columns of ds.
func headerIndex(ds queries.Dataset) map[string]string {
	m := map[string]string{}
	for _, c := range ds.Columns {
		m[fold(c.Name)] = c.Name
		for _, s := range synonyms[c.Name] {
			m[fold(s)] = c.Name
		}
	}
	for h, c := range datasetSynonyms[ds.Name] {
		m[fold(h)] = c
	}
	return m
}

// datasetWords name the datasets in file names (English and French).
var datasetWords = map[string]string{
	"sites": "sites", "people": "people", "personnes": "people",
	"ideas": "ideas", "idees": "ideas", "votes": "votes",
	"comments": "comments", "commentaires": "comments",
	"activity": "activity", "activite": "activity",
	"challenges": "challenges", "defis": "challenges",
	"surveys": "surveys", "enquetes": "surveys", "decisions": "decisions",
}

// LookupDatasetName returns the canonical dataset named by an English or
// French name (`ideas`, `idées`).
func LookupDatasetName(name string) (queries.Dataset, bool) {
	if n, ok := datasetWords[fold(name)]; ok {
		return queries.LookupDataset(n)
	}
	return queries.Dataset{}, false
}

// datasetFromFileName returns the dataset whose name (English or French)
// stands as a word in the file's base name, when exactly one does; name may
// be a path.
func datasetFromFileName(name string) (string, bool) {
	// Only the file's own name counts, not the folders of a path
	// (exports/votes/ideas.csv holds ideas).
	base := filepath.Base(name)
	found := ""
	for _, w := range strings.FieldsFunc(strings.ToLower(base), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}) {
		if n, ok := datasetWords[fold(w)]; ok {
			if found != "" && found != n {
				return "", false
			}
			found = n
		}
	}
	return found, found != ""
}

// datasetFromHeader returns the dataset whose required columns all match
// the header, when exactly one does.
func datasetFromHeader(header []string) (string, bool) {
	found := ""
	for _, ds := range queries.Datasets() {
		idx := headerIndex(ds)
		have := map[string]bool{}
		for _, h := range header {
			if c, ok := idx[headerKey(h)]; ok {
				have[c] = true
			}
		}
		all := true
		for _, r := range ds.Required() {
			if !have[r] {
				all = false
				break
			}
		}
		if all {
			if found != "" {
				return "", false
			}
			found = ds.Name
		}
	}
	return found, found != ""
}

// ColumnExists says whether name (a canonical column or a header that
// matches one, in any dataset) is a column --set can give.
func ColumnExists(name string) bool {
	for _, ds := range queries.Datasets() {
		if _, i := ds.Column(name); i >= 0 {
			return true
		}
		if _, ok := headerIndex(ds)[headerKey(name)]; ok {
			return true
		}
	}
	return false
}
