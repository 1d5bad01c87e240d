package demo

// Word lists of the fictional French group. Every string that reaches the
// Windows-1252 file (titles, themes, challenge names) uses only characters
// that code page holds (é, è, à, ç, œ, «, », ’, — are all in it).

type city struct {
	name, region string
	weight       float64 // relative size of the site
}

// cities: the first twelve are the small demo's sites, in this order.
func cities() []city {
	const (
		idf  = "Île-de-France"
		ara  = "Auvergne-Rhône-Alpes"
		paca = "Provence-Alpes-Côte d'Azur"
		occ  = "Occitanie"
		pdl  = "Pays de la Loire"
		na   = "Nouvelle-Aquitaine"
		hdf  = "Hauts-de-France"
		ge   = "Grand Est"
		bre  = "Bretagne"
		bfc  = "Bourgogne-Franche-Comté"
		nor  = "Normandie"
		cvl  = "Centre-Val de Loire"
	)
	return []city{
		{"Paris", idf, 3.0}, {"Lyon", ara, 2.2}, {"Nantes", pdl, 1.3}, {"Bordeaux", na, 1.3},
		{"Lille", hdf, 1.2}, {"Toulouse", occ, 1.5}, {"Marseille", paca, 1.6}, {"Strasbourg", ge, 1.0},
		{"Rennes", bre, 1.0}, {"Grenoble", ara, 0.9}, {"Montpellier", occ, 0.9}, {"Dijon", bfc, 0.5},
		{"Nice", paca, 0.8}, {"Clermont-Ferrand", ara, 0.7}, {"Saint-Étienne", ara, 0.6}, {"Le Havre", nor, 0.6},
		{"Rouen", nor, 0.7}, {"Reims", ge, 0.6}, {"Metz", ge, 0.6}, {"Nancy", ge, 0.6},
		{"Tours", cvl, 0.6}, {"Orléans", cvl, 0.6}, {"Angers", pdl, 0.6}, {"Le Mans", pdl, 0.5},
		{"Brest", bre, 0.6}, {"Caen", nor, 0.6}, {"Limoges", na, 0.5}, {"Poitiers", na, 0.5},
		{"La Rochelle", na, 0.4}, {"Pau", na, 0.4}, {"Perpignan", occ, 0.4}, {"Nîmes", occ, 0.4},
		{"Avignon", paca, 0.4}, {"Toulon", paca, 0.5}, {"Aix-en-Provence", paca, 0.6}, {"Annecy", ara, 0.4},
		{"Besançon", bfc, 0.5}, {"Amiens", hdf, 0.5}, {"Valenciennes", hdf, 0.4}, {"Mulhouse", ge, 0.4},
		{"Lorient", bre, 0.3}, {"Bayonne", na, 0.3}, {"Chambéry", ara, 0.3}, {"Troyes", ge, 0.3},
		{"Quimper", bre, 0.3}, {"Saint-Nazaire", pdl, 0.4}, {"Valence", ara, 0.3}, {"Dunkerque", hdf, 0.4},
	}
}

// districts are named second sites of the big cities (index into cities()).
func districts() []struct {
	city int
	name string
} {
	return []struct {
		city int
		name string
	}{
		{0, "La Défense"}, {1, "Part-Dieu"}, {0, "Montparnasse"}, {1, "Gerland"}, {6, "Euroméditerranée"},
		{5, "Blagnac"}, {2, "Saint-Herblain"}, {3, "Mérignac"}, {4, "Euralille"}, {0, "Saint-Denis"},
		{1, "Confluence"}, {5, "Labège"}, {6, "La Joliette"}, {4, "Villeneuve-d'Ascq"}, {3, "Euratlantique"},
		{0, "Bercy"}, {7, "Meinau"}, {8, "Cesson-Sévigné"}, {9, "Inovallée"}, {10, "Port Marianne"},
		{1, "Vaise"}, {2, "Île de Nantes"}, {0, "Issy-les-Moulineaux"}, {12, "Sophia Antipolis"}, {5, "Basso-Cambo"},
	}
}

// siteSuffixes name the further sites of a city once districts run out.
func siteSuffixes() []string {
	return []string{"Nord", "Sud", "Est", "Ouest", "Centre", "Gare", "Entrepôt", "Zone industrielle", "Agence 2", "Agence 3"}
}

func firstNames() []string {
	return []string{
		"Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Laura", "Marie",
		"Anaïs", "Hélène", "Zoé", "Noémie", "Aurélie", "Élodie", "Mégane", "Céline", "Nathalie", "Sophie",
		"Isabelle", "Maëlle", "Océane", "Clémence", "Margaux", "Pauline", "Amélie", "Sandrine", "Valérie", "Agnès",
		"Lucas", "Hugo", "Louis", "Nathan", "Thomas", "Théo", "Maxime", "Antoine", "Nicolas", "Julien",
		"Jérôme", "Frédéric", "Benoît", "Gaël", "Loïc", "Joël", "Rémi", "Sébastien", "Stéphane", "François",
		"Mathieu", "Pierre", "Guillaume", "Yannick", "Karim", "Mehdi", "Yacine", "Moussa", "Kévin", "Cédric",
	}
}

func lastNames() []string {
	return []string{
		"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
		"Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
		"Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand",
		"Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin",
		"Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson",
		"Le Goff", "Le Gall", "Kerbrat", "N'Diaye", "Benali", "Haddad", "Nguyen", "Lemaître", "Bénard", "Dupré",
		"Ménard", "Brunet", "Schmitt", "Colin", "Boyer", "Gaillard", "Barbier", "Caron", "Renaud", "Aubert",
	}
}

// theme is a theme with the idea, irritant and practice titles it yields.
type theme struct {
	name       string
	ideas      []string // verb phrases, completed by a place
	irritants  []string
	practices  []string
	challenges []string
}

func themes() []theme {
	return []theme{
		{"Environnement",
			[]string{"Réduire les impressions papier", "Installer des bacs de tri sélectif", "Éteindre les écrans en fin de journée", "Remplacer les gobelets jetables par des tasses", "Récupérer l'eau de pluie pour les espaces verts", "Composter les déchets de la cantine", "Passer l'éclairage en LED", "Baisser le chauffage d'un degré"},
			[]string{"Lumières allumées toute la nuit", "Trop d'emballages plastique", "Climatisation réglée trop fort", "Poubelles de tri toujours mélangées"},
			[]string{"Journée « zéro papier » chaque vendredi", "Inventaire énergie mensuel par l'équipe"},
			[]string{"Défi zéro papier", "Défi sobriété énergétique"}},
		{"Mobilité",
			[]string{"Covoiturage entre sites", "Mettre en place un abri vélos sécurisé", "Navette depuis la gare", "Rembourser les trajets en vélo", "Réserver des places aux covoitureurs", "Installer des bornes de recharge"},
			[]string{"Parking saturé dès 8 h", "Navette toujours en retard", "Pas de douche pour les cyclistes"},
			[]string{"Plateforme de covoiturage interne", "Télétravail les jours de grève"},
			[]string{"Défi mobilité douce"}},
		{"Qualité de vie au travail",
			[]string{"Aménager une salle de pause", "Proposer des horaires flexibles", "Créer un espace calme", "Organiser un café d'accueil mensuel", "Installer des plantes dans les bureaux", "Ouvrir une conciergerie"},
			[]string{"Trop d'attente au self le midi", "Bruit permanent en open space", "Salle de pause trop petite", "Chaises cassées en réunion"},
			[]string{"Rituel de 10 minutes chaque matin", "Réunions limitées à 30 minutes"},
			[]string{"Défi bien-être au travail"}},
		{"Sécurité",
			[]string{"Marquer les allées piétonnes", "Afficher les consignes en pictogrammes", "Former aux gestes de premiers secours", "Installer des miroirs aux angles morts", "Signaler les presque-accidents par QR code"},
			[]string{"Chariots trop rapides dans les allées", "Éclairage insuffisant sur le parking", "Sortie de secours encombrée"},
			[]string{"Quart d'heure sécurité hebdomadaire", "Visite sécurité croisée entre équipes"},
			[]string{"Défi sécurité au quotidien"}},
		{"Processus",
			[]string{"Simplifier les notes de frais", "Dématérialiser les bons de commande", "Automatiser le suivi des congés", "Harmoniser les modèles de documents", "Mutualiser les achats de fournitures", "Réduire les validations en cascade"},
			[]string{"Trois signatures pour une commande de 20 €", "Formulaire de congés introuvable", "Double saisie dans deux logiciels"},
			[]string{"Revue mensuelle des irritants", "Check-list partagée de clôture"},
			[]string{"Défi simplification administrative"}},
		{"Numérique",
			[]string{"Partager les agendas des salles", "Créer un annuaire des compétences", "Mettre en place un intranet mobile", "Former aux outils collaboratifs", "Digitaliser le registre des visiteurs"},
			[]string{"Wi-Fi qui coupe en réunion", "Imprimante du 2e étage toujours en panne", "Mots de passe à changer trop souvent", "Visioconférence impossible en salle B"},
			[]string{"Référents numériques par étage", "Tutoriels vidéo de 2 minutes"},
			[]string{"Défi numérique responsable"}},
		{"Relation client",
			[]string{"Rappeler les clients sous 24 h", "Créer une FAQ client partagée", "Mesurer la satisfaction après chaque intervention", "Simplifier le devis en ligne", "Former l'accueil téléphonique"},
			[]string{"Clients sans réponse après 48 h", "Devis trop longs à produire", "Réclamations perdues entre services"},
			[]string{"Point client hebdomadaire inter-services", "Fiche client partagée"},
			[]string{"Défi satisfaction client"}},
		{"Accueil",
			[]string{"Créer un livret d'accueil", "Nommer un parrain pour chaque nouvel arrivant", "Préparer le poste avant l'arrivée", "Organiser une visite du site le premier jour"},
			[]string{"Badge pas prêt le jour de l'arrivée", "Ordinateur livré une semaine après l'arrivée"},
			[]string{"Parrainage des nouveaux arrivants", "Déjeuner d'accueil le premier vendredi"},
			[]string{"Défi accueil des nouveaux arrivants"}},
	}
}

// places complete an idea or irritant title, by theme name (an empty
// place leaves the title as is), so that titles stay plausible.
func places(theme string) []string {
	common := []string{"", "", "", ""}
	switch theme {
	case "Environnement":
		return append(common, " à l'accueil", " en salle de pause", " dans les ateliers", " au restaurant d'entreprise", " dans les open spaces", " à l'entrepôt")
	case "Mobilité":
		return append(common, " pour les équipes de nuit", " pour les nouveaux arrivants", " entre les deux bâtiments", " pour les visiteurs")
	case "Qualité de vie au travail":
		return append(common, " dans les open spaces", " à l'entrepôt", " pour les équipes de nuit", " au service client")
	case "Sécurité":
		return append(common, " dans les ateliers", " à l'entrepôt", " sur le parking", " sur les quais de chargement")
	case "Processus":
		return append(common, " au service paie", " aux achats", " pour les managers", " au service comptable")
	case "Numérique":
		return append(common, " en salle de réunion", " pour les équipes terrain", " à l'accueil", " pour les nouveaux arrivants")
	case "Relation client":
		return append(common, " au service client", " à l'accueil", " pour les grands comptes", " en agence")
	}
	return append(common, " pour les alternants", " pour les intérimaires", " à l'accueil")
}

// solutionPrefixes open the title of a solution.
func solutionPrefixes() []string {
	return []string{"Solution : ", "Proposition : ", "Piste : "}
}

// reasons of committee decisions, by decision (retained, postponed,
// rejected, implemented). Some hold commas, quotes or a line break, as a
// committee's free text does.
func reasons() [4][]string {
	return [4][]string{
		{"Gain rapide, coût faible", "Aligné avec le plan de sobriété", "Forte adhésion des équipes (plus de 20 votes)", "Pilote validé par le comité de site", "Retenue : budget pris sur l'enveloppe « innovation »", "Bonne idée, à lancer avec les services généraux", "Retenue.\nPilote sur deux sites avant généralisation"},
		{"À revoir au prochain budget", "Dépend du déménagement du site", "Reportée en attendant l'avis de la DSI", "Reportée : période de clôture, on en reparle en janvier", "Besoin d'un chiffrage plus précis"},
		{"Non conforme aux règles de sécurité", "Déjà en place sur le site", "Coût trop élevé au regard du gain", "Hors du périmètre du site, à porter au niveau groupe", "Doublon d'une idée déjà retenue", "Refusée : contrainte réglementaire (ERP)"},
		{"Déployée sur le site", "Mise en œuvre par l'équipe maintenance", "En place depuis la semaine dernière, merci à l'équipe !", "Réalisée avec le prestataire, coût maîtrisé"},
	}
}

// commentBodies are the text of a comment (a column ingest ignores).
func commentBodies() []string {
	return []string{
		"+1", "Bonne idée !", "On a le même problème chez nous.", "Déjà testé sur notre site, ça marche bien.",
		"Qui pilote ?", "Il faudrait en parler au prochain comité.", "Je suis volontaire pour aider.",
		"Attention au coût, il faut un devis.", "Super, on attend ça depuis longtemps", "Et pour les équipes de nuit ?",
		"Voir aussi l'idée sur le covoiturage", "D'accord, mais avec \"des règles claires\".", "Bravo, simple et efficace",
	}
}

// answerBodies are an ambassador's or the core team's answer.
func answerBodies() []string {
	return []string{
		"Merci pour l'idée ! Je la présente au comité de jeudi.", "Bien reçu, on regarde la faisabilité avec les services généraux.",
		"Merci ! Je vous mets en relation avec le site de Lyon qui a fait la même chose.", "Idée transmise au responsable du site, retour sous 15 jours.",
		"Merci, on en parle en réunion d'équipe lundi.", "Bonne remarque, pouvez-vous préciser le besoin ?",
	}
}
