-- v2: fetches record the Content-Type served (binary sent as text/html shows there).

ALTER TABLE fetches ADD COLUMN content_type TEXT;
