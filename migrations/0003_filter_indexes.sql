-- The filter indexes end with (date_created, sid), the order every page reads in: a filtered
-- page then reads only the rows that match, from its cursor on, instead of walking the
-- account's whole month through attempts_account_date (EXPLAIN QUERY PLAN in
-- core/tests/engine/history.rs checks each one).
DROP INDEX IF EXISTS attempts_account_to;
CREATE INDEX IF NOT EXISTS attempts_account_to ON attempts (account_sid, destination, date_created, sid);
DROP INDEX IF EXISTS attempts_account_service;
CREATE INDEX IF NOT EXISTS attempts_account_service ON attempts (account_sid, service_sid, date_created, sid);
DROP INDEX IF EXISTS attempts_account_verification;
CREATE INDEX IF NOT EXISTS attempts_account_verification ON attempts (account_sid, verification_sid, date_created, sid);
DROP INDEX IF EXISTS attempts_account_country;
CREATE INDEX IF NOT EXISTS attempts_account_country ON attempts (account_sid, country, date_created, sid);
