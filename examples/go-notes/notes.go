package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Notes are written to the primary and read from the standby. A note the standby does not have
// yet (it was just written) is asked of the primary, so a writer always reads its own write.

type note struct {
	ID        int64     `json:"id"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"createdAt"`
}

const maxText = 1000

// migrate makes the schema once, whichever replica starts first (the lock serialises them).
func migrate(ctx context.Context, db *pgxpool.Pool) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('go_notes schema'))`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS go_notes (
		id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		text text NOT NULL,
		idempotency_key text UNIQUE,
		created_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func (s *server) writeNote(w http.ResponseWriter, r *http.Request) {
	if mediaType, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); strings.TrimSpace(mediaType) != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "send application/json")
		return
	}
	var body struct {
		Text *string `json:"text"`
	}
	decoder := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&body); err != nil || decoder.More() {
		writeError(w, http.StatusBadRequest, "body must be a JSON object with one field, text")
		return
	}
	if body.Text == nil || strings.TrimSpace(*body.Text) == "" || utf8.RuneCountInString(*body.Text) > maxText {
		writeError(w, http.StatusBadRequest, "text must be 1 to 1000 characters")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	ctx, cancel := s.deadline(r)
	defer cancel()
	// A repeat of a keyed write (a client or the balancer retrying) finds the first one.
	var n note
	err := s.primary.QueryRow(ctx, `INSERT INTO go_notes (text, idempotency_key) VALUES ($1, NULLIF($2, ''))
		ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, text, created_at`, *body.Text, key).
		Scan(&n.ID, &n.Text, &n.CreatedAt)
	status := http.StatusCreated
	if errors.Is(err, pgx.ErrNoRows) {
		status = http.StatusOK
		err = s.primary.QueryRow(ctx, `SELECT id, text, created_at FROM go_notes WHERE idempotency_key = $1`, key).
			Scan(&n.ID, &n.Text, &n.CreatedAt)
		if err == nil && n.Text != *body.Text {
			writeError(w, http.StatusUnprocessableEntity, "Idempotency-Key already used for another note")
			return
		}
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "database unavailable")
		return
	}
	writeJSON(w, status, n)
}

func (s *server) readNote(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "a note's id is a positive whole number")
		return
	}
	ctx, cancel := s.deadline(r)
	defer cancel()
	var n note
	const query = `SELECT id, text, created_at FROM go_notes WHERE id = $1`
	err = s.standby.QueryRow(ctx, query, id).Scan(&n.ID, &n.Text, &n.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = s.primary.QueryRow(ctx, query, id).Scan(&n.ID, &n.Text, &n.CreatedAt)
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		writeError(w, http.StatusNotFound, "no note "+strconv.FormatInt(id, 10))
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, "database unavailable")
	default:
		writeJSON(w, http.StatusOK, n)
	}
}

func (s *server) listNotes(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.deadline(r)
	defer cancel()
	rows, err := s.standby.Query(ctx, `SELECT id, text, created_at FROM go_notes ORDER BY id DESC LIMIT 20`)
	if err == nil {
		notes, collectErr := pgx.CollectRows(rows, func(row pgx.CollectableRow) (note, error) {
			var n note
			return n, row.Scan(&n.ID, &n.Text, &n.CreatedAt)
		})
		if collectErr == nil {
			writeJSON(w, http.StatusOK, map[string]any{"notes": notes})
			return
		}
	}
	writeError(w, http.StatusServiceUnavailable, "database unavailable")
}
