"""E-mail that is never lost: rows written in the caller's transaction, sent later by a relay."""
