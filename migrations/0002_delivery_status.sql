-- Delivery status of each send, from Twilio's signed status callbacks (POST
-- /v1/callbacks/twilio/{AC}/{VL}): the status in Twilio Messaging's words, its rank (0 queued,
-- 1 sending, 2 sent, 3 undelivered, 4 failed, 5 delivered; 3 and up are final, so a late
-- callback never moves a send back), and the provider's error code.
ALTER TABLE attempts ADD COLUMN message_status TEXT;
ALTER TABLE attempts ADD COLUMN message_rank INTEGER;
ALTER TABLE attempts ADD COLUMN error_code INTEGER;
