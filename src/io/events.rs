//! Event logs in (issue 5); filled in below.
