package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Sessions live in Redis, never in the process: any replica reads what another wrote, and a
// replica that dies takes no one's session with it. The cookie holds only the session's id,
// signed with SESSION_SECRET so that a client cannot pick someone else's.

func (s *server) deadline(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.cfg.DependencyTimeout)
}

func (s *server) sign(id string) string {
	mac := hmac.New(sha256.New, s.cfg.SessionSecret)
	mac.Write([]byte(id))
	return id + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// sessionID: the id of the request's session, if its cookie carries one this service signed.
func (s *server) sessionID(r *http.Request) string {
	cookie, err := r.Cookie(s.cfg.SessionCookie)
	if err != nil {
		return ""
	}
	id, _, ok := strings.Cut(cookie.Value, ".")
	if !ok || !hmac.Equal([]byte(s.sign(id)), []byte(cookie.Value)) {
		return ""
	}
	return id
}

func visitsKey(id string) string { return "go-notes:visits:" + id }

func (s *server) countVisit(w http.ResponseWriter, r *http.Request) {
	id := s.sessionID(r)
	if id == "" {
		raw := make([]byte, 16)
		_, _ = rand.Read(raw)
		id = hex.EncodeToString(raw)
		http.SetCookie(w, &http.Cookie{
			Name: s.cfg.SessionCookie, Value: s.sign(id), Path: "/",
			MaxAge: int(s.cfg.SessionTTL.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		})
	}
	ctx, cancel := s.deadline(r)
	defer cancel()
	pipe := s.redis.TxPipeline()
	visits := pipe.HIncrBy(ctx, visitsKey(id), "visits", 1)
	pipe.Expire(ctx, visitsKey(id), s.cfg.SessionTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		writeError(w, http.StatusServiceUnavailable, "session store unavailable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"visits": visits.Val(), "replica": s.cfg.ReplicaID})
}

func (s *server) readVisits(w http.ResponseWriter, r *http.Request) {
	visits := 0
	if id := s.sessionID(r); id != "" {
		ctx, cancel := s.deadline(r)
		defer cancel()
		value, err := s.redis.HGet(ctx, visitsKey(id), "visits").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			writeError(w, http.StatusServiceUnavailable, "session store unavailable")
			return
		}
		visits, _ = strconv.Atoi(value)
	}
	writeJSON(w, http.StatusOK, map[string]any{"visits": visits, "replica": s.cfg.ReplicaID})
}
