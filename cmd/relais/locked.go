package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"relais/queries"
)

// lockHolder names the process holding the database from its command line:
// "relais serve", "relais ingest"... or "" when it is not relais (or its
// command line could not be read).
func lockHolder(args []string) string {
	if len(args) == 0 || !strings.HasPrefix(filepath.Base(args[0]), "relais") {
		return ""
	}
	for _, a := range args[1:] {
		switch a {
		case "serve", "ingest", "kpi", "export", "demo", "forget", "backup", "restore":
			return "relais " + a
		}
	}
	return ""
}

// lockedMessage says who holds the database and what the command that
// could not open it can do instead (docs/loading.md).
func lockedMessage(path, command string, e *queries.LockedError) string {
	holder := lockHolder(e.Args)
	who := "another process"
	switch {
	case holder != "" && e.PID > 0:
		who = fmt.Sprintf("a running `%s` (process %d)", holder, e.PID)
	case e.PID > 0 && len(e.Args) > 0:
		who = fmt.Sprintf("another program (process %d: %s)", e.PID, strings.Join(e.Args, " "))
	case e.PID > 0:
		who = fmt.Sprintf("another process (%d)", e.PID)
	}
	msg := fmt.Sprintf("%s is held by %s", path, who)
	server := holder == "relais serve"
	other := holder != "" && !server // another relais command: it ends by itself
	var todo string
	switch command {
	case "ingest":
		switch {
		case server:
			todo = "drop the files into its inbox folder (--inbox) or POST them to its /api/v1/ingest endpoint instead, or stop the server first"
		case other:
			todo = "wait for it to finish, then run this again"
		default:
			todo = "if it is `relais serve`, drop the files into its inbox folder or POST them to its /api/v1/ingest endpoint; otherwise wait for it to finish"
		}
	case "kpi", "export":
		api := "/api/v1/kpis"
		if command == "export" {
			api = "/export.xlsx"
		}
		switch {
		case server:
			todo = fmt.Sprintf("get the same from its %s instead, or stop the server first", api)
		case other:
			todo = "wait for it to finish, then run this again"
		default:
			todo = fmt.Sprintf("if it is `relais serve`, get the same from its %s; otherwise wait for it to finish", api)
		}
	case "forget":
		if server {
			todo = "ask it instead: POST /api/v1/forget with {\"person_id\": \"...\"} as the core team (docs/security.md)"
		} else {
			todo = "wait for it to finish, then run this again"
		}
	case "restore":
		todo = "stop it first (systemctl stop relais), restore, then start it: a restore replaces the database file"
	case "backup":
		if server {
			todo = fmt.Sprintf("its admin socket %s does not answer: run the backup as the service's user or root", adminSocket(path))
		} else {
			todo = "wait for it to finish, then run this again"
		}
	case "serve":
		if server {
			todo = "one server per database: use the running one, or stop it first"
		} else {
			todo = "wait for it to finish, then start the server again"
		}
	default:
		todo = "wait for it to finish, or stop it, then run this again"
	}
	return msg + ": " + todo
}
