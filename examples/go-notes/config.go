package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Config is everything the service reads from its environment, once, at start.
type Config struct {
	Host, Port, ReplicaID    string
	RedisAddr, RedisPassword string
	PrimaryURL, StandbyURL   string
	SessionSecret            []byte
	SessionCookie            string
	SessionTTL               time.Duration
	DependencyTimeout        time.Duration
	ShutdownDelay            time.Duration
	ShutdownTimeout          time.Duration
}

// configError names the variable that is missing or wrong: the service refuses to start with it.
type configError struct{ name, why string }

func (e configError) Error() string { return fmt.Sprintf("config: %s %s", e.name, e.why) }

func required(name string) string {
	value := os.Getenv(name)
	if value == "" {
		panic(configError{name, "is required (no default: it is a secret or an address)"})
	}
	return value
}

func optional(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func millis(name, fallback string) time.Duration {
	value := optional(name, fallback)
	n, err := strconv.Atoi(value)
	if err != nil || n < 0 {
		panic(configError{name, "must be a whole number of milliseconds, not " + strconv.Quote(value)})
	}
	return time.Duration(n) * time.Millisecond
}

func postgresURL(hostVar, portVar string) string {
	return fmt.Sprintf("postgres://%s:%s@%s:%s/%s?connect_timeout=2",
		required("PG_USER"), required("PG_PASSWORD"), required(hostVar), optional(portVar, "5432"), required("PG_DATABASE"))
}

// loadConfig reads the environment; a bad or missing variable comes back as a configError.
func loadConfig() (cfg Config, err error) {
	defer func() {
		if r := recover(); r != nil {
			if ce, ok := r.(configError); ok {
				err = ce
				return
			}
			panic(r)
		}
	}()
	secret := required("SESSION_SECRET")
	if len(secret) < 32 {
		panic(configError{"SESSION_SECRET", "must be at least 32 characters"})
	}
	ttl, convErr := strconv.Atoi(optional("SESSION_TTL_SECONDS", "3600"))
	if convErr != nil || ttl < 1 {
		panic(configError{"SESSION_TTL_SECONDS", "must be a positive whole number"})
	}
	return Config{
		Host:              optional("HOST", "0.0.0.0"),
		Port:              optional("PORT", "8080"),
		ReplicaID:         os.Getenv("REPLICA_ID"),
		RedisAddr:         required("REDIS_HOST") + ":" + optional("REDIS_PORT", "6379"),
		RedisPassword:     required("REDIS_PASSWORD"),
		PrimaryURL:        postgresURL("PG_PRIMARY_HOST", "PG_PRIMARY_PORT"),
		StandbyURL:        postgresURL("PG_REPLICA_HOST", "PG_REPLICA_PORT"),
		SessionSecret:     []byte(secret),
		SessionCookie:     optional("SESSION_COOKIE_NAME", "go_notes_sid"),
		SessionTTL:        time.Duration(ttl) * time.Second,
		DependencyTimeout: millis("DEPENDENCY_TIMEOUT_MS", "750"),
		ShutdownDelay:     millis("SHUTDOWN_DELAY_MS", "0"),
		ShutdownTimeout:   millis("SHUTDOWN_TIMEOUT_MS", "10000"),
	}, nil
}
