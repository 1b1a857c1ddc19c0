"""Team cases on a PostgreSQL server (psycopg 3): imported only when a case address is used."""
