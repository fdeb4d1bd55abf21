//! The migration files a backend embeds, named as sqlx names them (`<version>_<description>.sql`,
//! `.up.sql` / `.down.sql` for reversible ones) and read as sqlx reads them: the description is the
//! name's words, and a file that starts with `-- no-transaction` runs outside a transaction.
//!
//! Why here and not `sqlx::migrate!`: that macro (and sqlx's derives) built a second copy of sqlx for
//! the build host, part of the first build's time (issue 17). The backends name their files in
//! [`embedded_migrator!`], which embeds them and builds sqlx's `Migrator` from what this module reads; a test of the command-line
//! crate compares the result, checksums included, with sqlx reading each directory itself.

/// One migration file, as sqlx would read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    pub version: i64,
    /// The file name after the version, without the extension, '_' read as ' '.
    pub description: String,
    /// What follows the version in the file name (`init.sql`, `init.up.sql`): sqlx's type comes from it.
    pub suffix: &'static str,
    pub sql: &'static str,
    pub no_transaction: bool,
}

/// Reads an embedded migration; `None` for a name sqlx would not take as a migration.
pub fn read(file: &'static str, sql: &'static str) -> Option<MigrationFile> {
    let (version, rest) = file.split_once('_')?;
    if !rest.ends_with(".sql") {
        return None;
    }
    let stem = [".up.sql", ".down.sql", ".sql"]
        .iter()
        .find_map(|ext| rest.strip_suffix(ext))?;
    Some(MigrationFile {
        version: version.parse().ok()?,
        description: stem.replace('_', " "),
        suffix: rest,
        sql,
        no_transaction: sql.starts_with("-- no-transaction"),
    })
}

/// Reads a backend's embedded list, in order, leaving out what is not a migration (the tests of the
/// command-line crate check each list against its directory, as sqlx reads it).
pub fn read_all(files: &[(&'static str, &'static str)]) -> Vec<MigrationFile> {
    files
        .iter()
        .filter_map(|(file, sql)| read(file, sql))
        .collect()
}

/// Defines a backend's `pub fn migrator() -> &'static sqlx::migrate::Migrator` over the named files of
/// its `migrations/` directory, embedded with `include_str!` (resolved from the invoking file, so the
/// directory is the backend's) and read by [`read_all`]: the same versions, descriptions and checksums as
/// `sqlx::migrate!` gave, so a database migrated before keeps its history. The expansion names `sqlx`,
/// which every backend depends on and this crate does not.
///
/// Without arguments it names the files both backends have: their schemas move in step, each
/// `migrations/` directory holding the same file names with its own dialect's SQL, so a migration is
/// added to this one list (a file missing from a directory fails the build; one not listed fails the
/// test). A backend whose files ever part from the other's names its own.
#[macro_export]
macro_rules! embedded_migrator {
    () => {
        $crate::embedded_migrator!(
            "0001_init.sql",
            "0002_sessions.sql",
            "0003_profiles_invites.sql",
            "0004_sign_in_failures.sql",
            "0005_sign_in_attempts.sql",
            "0006_token_scope.sql",
            "0007_practice_zip.sql",
            "0008_corrections.sql",
            "0009_mail.sql",
            "0010_cms_answers.sql",
            "0011_client_role.sql",
            "0012_targeted_review.sql",
            "0014_review_cases.sql",
        );
    };
    ($($file:literal),+ $(,)?) => {
        /// sqlx's migrator over the files of `migrations/`, embedded; a test of the command-line crate
        /// checks it against the directory as sqlx reads it.
        pub fn migrator() -> &'static sqlx::migrate::Migrator {
            use sqlx::SqlSafeStr;
            use sqlx::migrate::{Migration, MigrationType, Migrator};
            const FILES: &[(&str, &str)] =
                &[$(($file, include_str!(concat!("../migrations/", $file)))),+];
            static MIGRATOR: std::sync::LazyLock<Migrator> = std::sync::LazyLock::new(|| {
                let files = $crate::migrations::read_all(FILES).into_iter();
                Migrator::with_migrations(
                    files
                        .map(|m| {
                            let kind = MigrationType::from_filename(m.suffix);
                            let sql = m.sql.into_sql_str();
                            Migration::new(m.version, m.description.into(), kind, sql, m.no_transaction)
                        })
                        .collect(),
                )
            });
            &MIGRATOR
        }
    };
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_are_read_as_sqlx_reads_them() {
        let m = read("0012_targeted_review.sql", "CREATE TABLE t (x INT);").unwrap();
        assert_eq!((m.version, m.description.as_str()), (12, "targeted review"));
        assert!(!m.no_transaction);
        let m = read(
            "20240101_add_index.up.sql",
            "-- no-transaction\nCREATE INDEX …",
        )
        .unwrap();
        assert_eq!((m.version, m.description.as_str()), (20240101, "add index"));
        assert!(m.no_transaction);
        assert_eq!(read("README.md", ""), None);
        assert_eq!(read("v1_init.sql", ""), None);
        assert_eq!(read("0001init.sql", ""), None);
    }
}
