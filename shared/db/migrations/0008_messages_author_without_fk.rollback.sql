UPDATE messages SET author_id = NULL WHERE author_id IS NOT NULL AND author_id NOT IN (SELECT id FROM profiles);
ALTER TABLE messages ADD CONSTRAINT messages_author_id_fkey FOREIGN KEY (author_id) REFERENCES profiles (id) ON DELETE SET NULL;
