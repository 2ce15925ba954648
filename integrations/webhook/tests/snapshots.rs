//! Every fixture in `fixtures/webhook/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_webhook::Webhook);
