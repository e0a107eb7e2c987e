-- source: launchbadge/sqlx examples/mysql/todos/migrations/20200718111257_todos.sql @ 9d6bf6629f17 (MIT OR Apache-2.0); stored outside a mysql/ folder
CREATE TABLE IF NOT EXISTS todos
(
    id          BIGINT UNSIGNED PRIMARY KEY NOT NULL AUTO_INCREMENT,
    description TEXT    NOT NULL,
    done        BOOLEAN NOT NULL DEFAULT FALSE
);
