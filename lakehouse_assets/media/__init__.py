"""Images landing in object storage and their `media.image_metadata` table."""
