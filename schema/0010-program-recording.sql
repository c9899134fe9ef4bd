-- The meeting's program (the composite: the floor holder large, the sites in a grid, the title
-- bar, the sound the session hears) is kept with a recording as files of its own: participant 0,
-- track 'program', no user and no site.
ALTER TABLE recording_segments DROP CONSTRAINT recording_segments_participant_id_check;
ALTER TABLE recording_segments ADD CONSTRAINT recording_segments_participant_id_check
  CHECK (participant_id > 0
         OR (participant_id = 0 AND track = 'program' AND user_id IS NULL AND site_id IS NULL));
