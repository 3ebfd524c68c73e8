package main

import (
	"strings"
	"testing"
)

// The environment a replica gets, minus what each case takes away.
func setEnv(t *testing.T, without string) {
	vars := map[string]string{
		"REDIS_HOST": "127.0.0.1", "REDIS_PASSWORD": "redis-secret",
		"PG_PRIMARY_HOST": "127.0.0.1", "PG_REPLICA_HOST": "127.0.0.1",
		"PG_DATABASE": "lab", "PG_USER": "lab_app", "PG_PASSWORD": "pg-secret",
		"SESSION_SECRET": strings.Repeat("s", 32),
	}
	for name, value := range vars {
		if name == without {
			value = ""
		}
		t.Setenv(name, value)
	}
}

func TestConfigRefusesEachMissingSecretByName(t *testing.T) {
	for _, secret := range []string{"REDIS_PASSWORD", "PG_PASSWORD", "SESSION_SECRET"} {
		setEnv(t, secret)
		_, err := loadConfig()
		if err == nil || !strings.Contains(err.Error(), secret) {
			t.Errorf("without %s: got %v, want an error naming it", secret, err)
		}
	}
}

func TestConfigReadsTheEnvironmentOnce(t *testing.T) {
	setEnv(t, "")
	t.Setenv("DEPENDENCY_TIMEOUT_MS", "250")
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DependencyTimeout.Milliseconds() != 250 || cfg.RedisAddr != "127.0.0.1:6379" {
		t.Errorf("got timeout %v and Redis at %s", cfg.DependencyTimeout, cfg.RedisAddr)
	}
	t.Setenv("DEPENDENCY_TIMEOUT_MS", "soon")
	if _, err := loadConfig(); err == nil || !strings.Contains(err.Error(), "DEPENDENCY_TIMEOUT_MS") {
		t.Errorf("a duration that is not one: got %v", err)
	}
}

func TestReplicaNameFromComposeContainer(t *testing.T) {
	for name, want := range map[string]string{
		"lb-lab-go-2.lb-lab_backend.": "go2",
		"lb-lab-go-12":                "go12",
		"0123456789ab":                "",
	} {
		if got := replicaFromContainer(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}
