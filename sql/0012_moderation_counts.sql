-- The moderation queue's summary counts the waiting items by document, category and age. With a
-- backlog of 50,000 (a ten-minute mixed load where patients wrote faster than four moderators
-- decided) counting them through the heap took 60 ms and the page's "how many match" another
-- 110 ms. This index holds what the counts need, for waiting items only, so they are read from
-- the index in one grouped pass.
CREATE INDEX feedback_received_counts_idx ON feedback (document_id, category, created_at)
    WHERE status = 'received';
