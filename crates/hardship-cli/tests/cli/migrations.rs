//! The migrations each backend embeds (`include_str!`, read by `hardship_store::migrations`) are its
//! `migrations/` directory as sqlx reads it: the same files, versions, descriptions, types and checksums.
//! A checksum that changed would make sqlx refuse every database migrated before.

use sqlx::migrate::{Migration, Migrator};
use std::path::Path;

fn key(m: &Migration) -> (i64, String, String, Vec<u8>, bool) {
    let kind = format!("{:?}", m.migration_type);
    (
        m.version,
        m.description.to_string(),
        kind,
        m.checksum.to_vec(),
        m.no_tx,
    )
}

async fn same_as_directory(embedded: &Migrator, crate_dir: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_dir)
        .join("migrations");
    let sqlx_reads = Migrator::new(dir.as_path()).await.unwrap();
    let ours: Vec<_> = embedded.iter().map(key).collect();
    let theirs: Vec<_> = sqlx_reads.iter().map(key).collect();
    assert!(
        theirs.len() >= 13,
        "{crate_dir}: {} migrations",
        theirs.len()
    );
    assert_eq!(ours, theirs, "{crate_dir}");
}

#[tokio::test]
async fn each_backend_embeds_its_migrations_directory_as_sqlx_reads_it() {
    same_as_directory(hardship_store_sqlite::migrator(), "hardship-store-sqlite").await;
    same_as_directory(
        hardship_store_postgres::migrator(),
        "hardship-store-postgres",
    )
    .await;
}
