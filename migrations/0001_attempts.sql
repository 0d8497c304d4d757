-- Verification attempts (GET /v2/Attempts, /v2/Attempts/{VL}, /v2/Attempts/Summary): one row per
-- code sent, kept 30 days (reads ignore older rows; writes purge them in bounded batches).
-- Times are Unix seconds. Every query names account_sid first: each index leads with it.
CREATE TABLE IF NOT EXISTS attempts (
  sid TEXT PRIMARY KEY NOT NULL,
  account_sid TEXT NOT NULL,
  service_sid TEXT NOT NULL,
  verification_sid TEXT NOT NULL,
  channel TEXT NOT NULL,
  destination TEXT NOT NULL,
  country TEXT,
  conversion_status TEXT NOT NULL DEFAULT 'unconverted',
  price_value TEXT,
  price_currency TEXT,
  code_length INTEGER,
  locale TEXT,
  date_created INTEGER NOT NULL,
  date_updated INTEGER NOT NULL
);

-- The default listing and every date range: newest first within an account.
CREATE INDEX IF NOT EXISTS attempts_account_date ON attempts (account_sid, date_created, sid);
-- ChannelData.To and DestinationPrefix (a range on destination).
CREATE INDEX IF NOT EXISTS attempts_account_to ON attempts (account_sid, destination, date_created);
-- VerifyServiceSid.
CREATE INDEX IF NOT EXISTS attempts_account_service ON attempts (account_sid, service_sid, date_created);
-- VerificationSid, and marking a verification's attempts converted.
CREATE INDEX IF NOT EXISTS attempts_account_verification ON attempts (account_sid, verification_sid);
-- Country.
CREATE INDEX IF NOT EXISTS attempts_account_country ON attempts (account_sid, country, date_created);
-- The retention purge, across accounts.
CREATE INDEX IF NOT EXISTS attempts_date ON attempts (date_created);
