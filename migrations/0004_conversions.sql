-- Approved verifications, kept a day (the longest a verification lives): an approval marks its
-- verification's attempts converted and leaves a row here, and an attempt recorded after the
-- approval (both writes run after their responses, in no set order) reads it and is recorded
-- converted, so no approval is lost to the order the two writes reach the database in.
CREATE TABLE IF NOT EXISTS conversions (
  account_sid TEXT NOT NULL,
  verification_sid TEXT NOT NULL,
  date_created INTEGER NOT NULL,
  PRIMARY KEY (account_sid, verification_sid)
);
-- The purge.
CREATE INDEX IF NOT EXISTS conversions_date ON conversions (date_created);
