DELETE FROM projection_checkpoints WHERE projection = 'stream';
