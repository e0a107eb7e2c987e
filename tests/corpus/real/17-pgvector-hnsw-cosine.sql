-- source: pgvector/pgvector test/sql/hnsw_cosine.sql @ 029c336c62d832b2ca52825b37c457204c1f50d7 (PostgreSQL Licence)
SET enable_seqscan = off;

CREATE TABLE t (val vector(3));
INSERT INTO t (val) VALUES ('[0,0,0]'), ('[1,2,3]'), ('[1,1,1]'), (NULL);
CREATE INDEX ON t USING hnsw (val vector_cosine_ops);

INSERT INTO t (val) VALUES ('[1,2,4]');

SELECT * FROM t ORDER BY val <=> '[3,3,3]';
SELECT * FROM t ORDER BY val <=> '[0,0,0]';
SELECT * FROM t ORDER BY val <=> (SELECT NULL::vector);

DROP TABLE t;
