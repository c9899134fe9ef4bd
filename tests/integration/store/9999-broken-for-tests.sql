-- A migration that fails half-way (registered only by test-store-conn), to show that a
-- migration is applied entirely or not at all and that its error names the file and the line.
CREATE TABLE broken_half (id integer);

INSERT INTO broken_half VALUES (1);
INSERT INTO broken_half VALUES ('not a number');
