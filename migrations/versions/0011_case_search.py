"""case_search: one folded document per case for the search (part of a name, typos, other script),
indexed by the database's own trigram engine, and the distinct words for typo corrections
(models/search.py explains both). Existing cases are filled through domain.search, the fold the
services use.

SQLite: FTS5 with the trigram tokenizer (needs SQLite ≥ 3.34); PostgreSQL: pg_trgm with GIN indexes
(pg_trgm is a trusted extension: the database's owner may create it).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from adapters.transliteration import load_tables
from domain.search import case_search_text, document_words

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CHUNK = 2000


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute(
            'CREATE TABLE case_search ('
            ' case_id integer PRIMARY KEY REFERENCES recognition_case (id) ON DELETE CASCADE,'
            ' district varchar(20) NOT NULL, document text NOT NULL)'
        )
        op.execute('CREATE TABLE search_word (id serial PRIMARY KEY, word text NOT NULL UNIQUE)')
    else:
        op.execute("CREATE VIRTUAL TABLE case_search USING fts5(document, district UNINDEXED, tokenize='trigram')")
        op.execute('CREATE TRIGGER case_search_case_deleted AFTER DELETE ON recognition_case BEGIN '
                   'DELETE FROM case_search WHERE rowid = old.id; END')
        op.execute('CREATE TABLE search_word (id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE)')
        op.execute("CREATE VIRTUAL TABLE search_word_trigram USING fts5(word, content='search_word', "
                   "content_rowid='id', tokenize='trigram')")
        op.execute('CREATE TRIGGER search_word_added AFTER INSERT ON search_word BEGIN '
                   'INSERT INTO search_word_trigram (rowid, word) VALUES (new.id, new.word); END')
        op.execute('CREATE TRIGGER search_word_removed AFTER DELETE ON search_word BEGIN '
                   "INSERT INTO search_word_trigram (search_word_trigram, rowid, word) VALUES ('delete', old.id, old.word); END")
    _backfill(bind)
    if bind.dialect.name == 'postgresql':
        # built after the fill: one sort instead of 100,000 index insertions
        op.execute('CREATE INDEX ix_case_search_document_trgm ON case_search USING gin (document gin_trgm_ops)')
        op.execute('CREATE INDEX ix_search_word_word_trgm ON search_word USING gin (word gin_trgm_ops)')
        op.execute('ANALYZE case_search')
        op.execute('ANALYZE search_word')


def _backfill(bind) -> None:
    tables = load_tables()
    postgres = bind.dialect.name == 'postgresql'
    insert_document = sa.text(
        'INSERT INTO case_search (case_id, district, document) VALUES (:id, :district, :document)' if postgres
        else 'INSERT INTO case_search (rowid, district, document) VALUES (:id, :district, :document)'
    )
    insert_word = sa.text('INSERT INTO search_word (word) VALUES (:word) ON CONFLICT (word) DO NOTHING')
    query = sa.text(
        'SELECT c.id, c.district, c.reference, c.profession_text, c.reference_occupation, p.given_name, p.family_name,'
        ' p.latin_given_name, p.latin_family_name'
        ' FROM recognition_case c JOIN person p ON p.id = c.person_id WHERE c.id > :after ORDER BY c.id LIMIT :chunk'
    )
    after, seen = 0, set()
    while True:
        rows = bind.execute(query, {'after': after, 'chunk': CHUNK}).all()
        if not rows:
            break
        documents = [
            {'id': row.id, 'district': row.district, 'document': case_search_text(
                given_name=row.given_name, family_name=row.family_name, latin_given_name=row.latin_given_name,
                latin_family_name=row.latin_family_name, reference=row.reference, profession_text=row.profession_text,
                reference_occupation=row.reference_occupation, tables=tables)}
            for row in rows
        ]
        bind.execute(insert_document, documents)
        words = {w for d in documents for w in document_words(d['document'])} - seen
        if words:
            bind.execute(insert_word, [{'word': w} for w in sorted(words)])
            seen |= words
        after = rows[-1].id


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TABLE search_word')
        op.execute('DROP TABLE case_search')
        return
    op.execute('DROP TRIGGER search_word_removed')
    op.execute('DROP TRIGGER search_word_added')
    op.execute('DROP TABLE search_word_trigram')
    op.execute('DROP TABLE search_word')
    op.execute('DROP TRIGGER case_search_case_deleted')
    op.execute('DROP TABLE case_search')
