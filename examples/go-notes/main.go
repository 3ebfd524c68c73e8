// go-notes: a small notes service, written as a team's ordinary Go service would be (net/http,
// pgx, go-redis, client_golang), to show that the lab can put any service behind its balancer.
// Nothing here imports the lab; what it needs from the lab is its environment (README.md).
package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

type server struct {
	cfg      Config
	log      *slog.Logger
	redis    *redis.Client
	primary  *pgxpool.Pool
	standby  *pgxpool.Pool
	draining atomic.Bool
}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck())
	}
	cfg, err := loadConfig()
	if err != nil {
		log.Error(err.Error())
		os.Exit(1)
	}
	if cfg.ReplicaID == "" {
		cfg.ReplicaID = replicaName()
	}
	log = log.With("replica", cfg.ReplicaID)
	if err := run(cfg, log); err != nil {
		log.Error(err.Error())
		os.Exit(1)
	}
}

func run(cfg Config, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	s := &server{cfg: cfg, log: log}
	s.redis = redis.NewClient(&redis.Options{
		Addr: cfg.RedisAddr, Password: cfg.RedisPassword,
		DialTimeout: cfg.DependencyTimeout, ReadTimeout: cfg.DependencyTimeout, WriteTimeout: cfg.DependencyTimeout,
	})
	defer s.redis.Close()
	var err error
	if s.primary, err = pool(ctx, cfg.PrimaryURL); err != nil {
		return err
	}
	defer s.primary.Close()
	if s.standby, err = pool(ctx, cfg.StandbyURL); err != nil {
		return err
	}
	defer s.standby.Close()
	if err := migrate(ctx, s.primary); err != nil {
		return err
	}

	srv := &http.Server{
		Addr:              net.JoinHostPort(cfg.Host, cfg.Port),
		Handler:           s.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	listener, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", srv.Addr)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(listener) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	return s.drain(srv)
}

// drain stops the way a balancer needs: /ready says so first (an active check takes the replica
// out), keep-alive ends so that idle connections are closed by the balancer's side rather than
// under a request it is sending, and in-flight requests finish before the process exits.
func (s *server) drain(srv *http.Server) error {
	s.draining.Store(true)
	s.log.Info("SIGTERM: draining", "delay", s.cfg.ShutdownDelay.String())
	time.Sleep(s.cfg.ShutdownDelay)
	srv.SetKeepAlivesEnabled(false)
	// Idle connections are the balancer's to close (its keep-alive timeout is shorter than this).
	time.Sleep(min(2*time.Second, s.cfg.ShutdownTimeout))
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.log.Info("stopped")
	return nil
}

func pool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 5
	// Lazy: the pool connects on first use, so a database that is down makes /ready say so
	// instead of keeping the process from starting.
	return pgxpool.NewWithConfig(ctx, cfg)
}

// healthcheck is the image's HEALTHCHECK: the runtime image has no HTTP client of its own.
func healthcheck() int {
	client := http.Client{Timeout: 2 * time.Second}
	res, err := client.Get("http://127.0.0.1:" + optional("PORT", "8080") + "/ready")
	if err != nil || res.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}
