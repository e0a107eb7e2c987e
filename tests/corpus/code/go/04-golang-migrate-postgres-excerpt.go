// source: golang-migrate/migrate database/postgres/postgres.go @ 0165cfcf7b30 (MIT); excerpt (package, imports, Lock, Unlock, SetVersion, Version); tabs shown as 4 spaces
//go:build go1.9

package postgres

import (
    "context"
    "database/sql"
    "fmt"
    "io"
    nurl "net/url"
    "regexp"
    "strconv"
    "strings"
    "sync/atomic"
    "time"

    "github.com/golang-migrate/migrate/v4"
    "github.com/golang-migrate/migrate/v4/database"
    "github.com/golang-migrate/migrate/v4/database/multistmt"
    "github.com/hashicorp/go-multierror"
    "github.com/lib/pq"
)

// https://www.postgresql.org/docs/9.6/static/explicit-locking.html#ADVISORY-LOCKS
func (p *Postgres) Lock() error {
    return database.CasRestoreOnErr(&p.isLocked, false, true, database.ErrLocked, func() error {
        if p.config.NoLock {
            return nil
        }
        aid, err := database.GenerateAdvisoryLockId(p.config.DatabaseName, p.config.migrationsSchemaName, p.config.migrationsTableName)
        if err != nil {
            return err
        }

        // This will wait indefinitely until the lock can be acquired.
        query := `SELECT pg_advisory_lock($1)`
        if _, err := p.conn.ExecContext(context.Background(), query, aid); err != nil {
            return &database.Error{OrigErr: err, Err: "try lock failed", Query: []byte(query)}
        }

        return nil
    })
}

func (p *Postgres) Unlock() error {
    return database.CasRestoreOnErr(&p.isLocked, true, false, database.ErrNotLocked, func() error {
        if p.config.NoLock {
            return nil
        }
        aid, err := database.GenerateAdvisoryLockId(p.config.DatabaseName, p.config.migrationsSchemaName, p.config.migrationsTableName)
        if err != nil {
            return err
        }

        query := `SELECT pg_advisory_unlock($1)`
        if _, err := p.conn.ExecContext(context.Background(), query, aid); err != nil {
            return &database.Error{OrigErr: err, Query: []byte(query)}
        }
        return nil
    })
}

func (p *Postgres) SetVersion(version int, dirty bool) error {
    tx, err := p.conn.BeginTx(context.Background(), &sql.TxOptions{})
    if err != nil {
        return &database.Error{OrigErr: err, Err: "transaction start failed"}
    }

    query := `TRUNCATE ` + pq.QuoteIdentifier(p.config.migrationsSchemaName) + `.` + pq.QuoteIdentifier(p.config.migrationsTableName)
    if _, err := tx.Exec(query); err != nil {
        if errRollback := tx.Rollback(); errRollback != nil {
            err = multierror.Append(err, errRollback)
        }
        return &database.Error{OrigErr: err, Query: []byte(query)}
    }

    // Also re-write the schema version for nil dirty versions to prevent
    // empty schema version for failed down migration on the first migration
    // See: https://github.com/golang-migrate/migrate/issues/330
    if version >= 0 || (version == database.NilVersion && dirty) {
        query = `INSERT INTO ` + pq.QuoteIdentifier(p.config.migrationsSchemaName) + `.` + pq.QuoteIdentifier(p.config.migrationsTableName) + ` (version, dirty) VALUES ($1, $2)`
        if _, err := tx.Exec(query, version, dirty); err != nil {
            if errRollback := tx.Rollback(); errRollback != nil {
                err = multierror.Append(err, errRollback)
            }
            return &database.Error{OrigErr: err, Query: []byte(query)}
        }
    }

    if err := tx.Commit(); err != nil {
        return &database.Error{OrigErr: err, Err: "transaction commit failed"}
    }

    return nil
}

func (p *Postgres) Version() (version int, dirty bool, err error) {
    query := `SELECT version, dirty FROM ` + pq.QuoteIdentifier(p.config.migrationsSchemaName) + `.` + pq.QuoteIdentifier(p.config.migrationsTableName) + ` LIMIT 1`
    err = p.conn.QueryRowContext(context.Background(), query).Scan(&version, &dirty)
    switch {
    case err == sql.ErrNoRows:
        return database.NilVersion, false, nil

    case err != nil:
        if e, ok := err.(*pq.Error); ok {
            if e.Code.Name() == "undefined_table" {
                return database.NilVersion, false, nil
            }
        }
        return 0, false, &database.Error{OrigErr: err, Query: []byte(query)}

    default:
        return version, dirty, nil
    }
}
