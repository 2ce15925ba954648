//! The pending messages of each order key, kept by the SQLite writer.
//!
//! Messages with one order key go one at a time: the oldest pending one is the key's head, the
//! others are `blocked`. Queuing a message must know whether its key has a pending one, and
//! finishing a head must find the key's next. An index by key answered both, but every message
//! wrote a random page of it twice (queued, finished), in every commit: with a backlog that was
//! most of the output's share of the WAL (BENCHMARKS.md, "The receiver under load"). The writer
//! is the only connection that changes the outbox, so it keeps the keys' queues in memory,
//! loaded from the table on open, and changes them with the rows it writes. A savepoint or a
//! transaction that is rolled back undoes its changes here too (see [`KeyQueues::mark`]).

use std::collections::{HashMap, VecDeque};

use rusqlite::Connection;

/// Each output's keys with pending messages, each key's ids oldest first (the head first).
#[derive(Debug, Default)]
pub(super) struct KeyQueues {
    outputs: HashMap<String, HashMap<String, VecDeque<i64>>>,
    /// What to undo, newest last, since the last [`KeyQueues::settle`].
    journal: Vec<Undo>,
}

/// One change, and how to undo it.
#[derive(Debug)]
enum Undo {
    /// `id` was put in the key's queue.
    Added {
        output: String,
        key: String,
        id: i64,
    },
    /// `id` was taken from `at` in the key's queue.
    Removed {
        output: String,
        key: String,
        id: i64,
        at: usize,
    },
}

impl KeyQueues {
    /// The queues of the pending messages in the database: each key's head (not blocked) first,
    /// then its blocked messages, oldest first.
    pub(super) fn load(conn: &Connection) -> rusqlite::Result<Self> {
        let mut queues = Self::default();
        let mut statement = conn.prepare(
            "SELECT output, order_key, id FROM outbox \
             WHERE status = 'pending' AND order_key IS NOT NULL ORDER BY blocked, id",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        for row in rows {
            let (output, key, id): (String, String, i64) = row?;
            queues
                .outputs
                .entry(output)
                .or_default()
                .entry(key)
                .or_default()
                .push_back(id);
        }
        Ok(queues)
    }

    /// Whether `key` of `output` has a pending message: a new one must wait behind it.
    pub(super) fn has_pending(&self, output: &str, key: &str) -> bool {
        self.outputs
            .get(output)
            .and_then(|keys| keys.get(key))
            .is_some_and(|queue| !queue.is_empty())
    }

    /// Queues `id`, newer than any of its key's, behind them.
    pub(super) fn push(&mut self, output: &str, key: &str, id: i64) {
        if let Some(queue) = self.queue_mut(output, key) {
            queue.push_back(id);
        }
        self.journal.push(Undo::Added {
            output: output.to_owned(),
            key: key.to_owned(),
            id,
        });
    }

    /// Queues `id` again (a failed message made pending): behind its key's head, before the
    /// key's newer blocked messages (the next head is the oldest blocked one). True when it
    /// became the head (its key had nothing pending).
    pub(super) fn requeue(&mut self, output: &str, key: &str, id: i64) -> bool {
        let Some(queue) = self.queue_mut(output, key) else {
            return false;
        };
        let head = queue.is_empty();
        let at = queue
            .iter()
            .skip(1)
            .position(|&other| other > id)
            .map_or(queue.len(), |at| at + 1);
        queue.insert(at, id);
        self.journal.push(Undo::Added {
            output: output.to_owned(),
            key: key.to_owned(),
            id,
        });
        head
    }

    /// Takes `id` out of its key's queue (it is no longer pending). When it was the head, the
    /// key's next message, if any, is returned: it becomes the head.
    pub(super) fn remove(&mut self, output: &str, key: &str, id: i64) -> Option<i64> {
        let keys = self.outputs.get_mut(output)?;
        let queue = keys.get_mut(key)?;
        let at = queue.iter().position(|&queued| queued == id)?;
        queue.remove(at);
        let next = if at == 0 {
            queue.front().copied()
        } else {
            None
        };
        if queue.is_empty() {
            keys.remove(key);
        }
        self.journal.push(Undo::Removed {
            output: output.to_owned(),
            key: key.to_owned(),
            id,
            at,
        });
        next
    }

    /// Where the journal stands: [`KeyQueues::undo_to`] with it undoes what changes after.
    pub(super) fn mark(&self) -> usize {
        self.journal.len()
    }

    /// Undoes the changes made since `mark` (their savepoint or transaction was rolled back).
    pub(super) fn undo_to(&mut self, mark: usize) {
        while self.journal.len() > mark {
            let Some(undo) = self.journal.pop() else {
                break;
            };
            match undo {
                Undo::Added { output, key, id } => {
                    if let Some(keys) = self.outputs.get_mut(&output) {
                        if let Some(queue) = keys.get_mut(&key) {
                            if let Some(at) = queue.iter().position(|&queued| queued == id) {
                                queue.remove(at);
                            }
                            if queue.is_empty() {
                                keys.remove(&key);
                            }
                        }
                    }
                }
                Undo::Removed {
                    output,
                    key,
                    id,
                    at,
                } => {
                    if let Some(queue) = self.queue_mut(&output, &key) {
                        queue.insert(at.min(queue.len()), id);
                    }
                }
            }
        }
    }

    /// Forgets the journal: what it recorded was committed.
    pub(super) fn settle(&mut self) {
        self.journal.clear();
    }

    /// The queue of `key` of `output`, made (empty) if there is none. Always `Some`.
    fn queue_mut(&mut self, output: &str, key: &str) -> Option<&mut VecDeque<i64>> {
        if !self.outputs.contains_key(output) {
            self.outputs.insert(output.to_owned(), HashMap::new());
        }
        let keys = self.outputs.get_mut(output)?;
        if !keys.contains_key(key) {
            keys.insert(key.to_owned(), VecDeque::new());
        }
        keys.get_mut(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(queues: &KeyQueues, key: &str) -> Vec<i64> {
        queues
            .outputs
            .get("o")
            .and_then(|keys| keys.get(key))
            .map(|queue| queue.iter().copied().collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_finished_head_hands_over_to_the_next_of_its_key_only() {
        let mut queues = KeyQueues::default();
        assert!(!queues.has_pending("o", "k"));
        queues.push("o", "k", 1);
        queues.push("o", "k", 3);
        queues.push("o", "j", 2);
        assert!(queues.has_pending("o", "k"));
        assert!(!queues.has_pending("other", "k"));
        // A blocked message leaving (not the head) makes no new head.
        queues.push("o", "k", 4);
        assert_eq!(queues.remove("o", "k", 3), None);
        assert_eq!(queues.remove("o", "k", 1), Some(4));
        assert_eq!(queues.remove("o", "k", 4), None);
        assert!(!queues.has_pending("o", "k"));
        assert_eq!(queues.remove("o", "k", 4), None, "not queued: nothing");
        assert_eq!(queue(&queues, "j"), [2]);
    }

    #[test]
    fn a_requeued_message_waits_behind_the_head_in_id_order() {
        let mut queues = KeyQueues::default();
        assert!(queues.requeue("o", "k", 5), "nothing pending: the head");
        queues.push("o", "k", 9);
        assert!(!queues.requeue("o", "k", 2));
        assert!(!queues.requeue("o", "k", 7));
        assert_eq!(queue(&queues, "k"), [5, 2, 7, 9]);
    }

    #[test]
    fn undoing_restores_the_queues_as_they_were_at_the_mark() {
        let mut queues = KeyQueues::default();
        queues.push("o", "k", 1);
        queues.push("o", "k", 2);
        queues.push("o", "k", 3);
        queues.settle();
        let mark = queues.mark();
        assert_eq!(queues.remove("o", "k", 1), Some(2));
        assert_eq!(queues.remove("o", "k", 3), None);
        queues.push("o", "k", 4);
        queues.push("o", "j", 5);
        assert!(!queues.requeue("o", "k", 0));
        queues.undo_to(mark);
        assert_eq!(queue(&queues, "k"), [1, 2, 3]);
        assert!(!queues.has_pending("o", "j"));
        // Settled changes stay.
        let mark = queues.mark();
        assert_eq!(queues.remove("o", "k", 1), Some(2));
        queues.settle();
        queues.undo_to(mark);
        assert_eq!(queue(&queues, "k"), [2, 3]);
    }
}
