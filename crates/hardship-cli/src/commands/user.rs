//! `hardship user create`: the owner of a new organization, or a member of an existing one. The password
//! comes from `HARDSHIP_PASSWORD` or the first line of standard input, never from a flag.

use super::{open, parse_role};
use crate::error::{CliError, Outcome};
use clap::{Args, Subcommand};
use hardship_cli::storage::StorageArgs;
use hardship_store::{Actor, OrganizationKind, Role, StoreError, TenantId};

#[derive(Args)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user: the owner of a new organization, or a member of an existing one (--tenant). The
    /// password comes from HARDSHIP_PASSWORD or the first line of standard input, never from a flag.
    Create {
        #[arg(long)]
        email: String,
        /// Name of a new organization to create, owned by this user.
        #[arg(long, required_unless_present = "tenant", conflicts_with = "tenant")]
        organization: Option<String>,
        /// The new organization is a consultancy (many practices) or a single practice.
        #[arg(long, default_value = "consultancy", value_parser = |s: &str| OrganizationKind::parse(s).ok_or_else(|| format!("invalid kind {s:?}: consultancy or practice")))]
        kind: OrganizationKind,
        /// Add the user to this existing organization instead.
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long, default_value = "owner", value_parser = parse_role)]
        role: Role,
    },
}

pub async fn run(storage: &StorageArgs, a: UserArgs) -> Outcome {
    match a.command {
        UserCommand::Create {
            email,
            organization,
            kind,
            tenant,
            role,
        } => create(storage, email, organization, kind, tenant, role).await,
    }
}

/// The command line as the actor of what it writes.
fn cli_actor() -> Actor {
    Actor {
        user: None,
        label: "cli".into(),
        role: Role::Owner,
    }
}

async fn create(
    storage: &StorageArgs,
    email: String,
    organization: Option<String>,
    kind: OrganizationKind,
    tenant: Option<String>,
    role: Role,
) -> Outcome {
    let password = match std::env::var("HARDSHIP_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| {
                CliError::bad(format!("cannot read the password from standard input: {e}"))
            })?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let hash =
        tokio::task::spawn_blocking(move || hardship_app::passwords::hash_password(&password))
            .await
            .map_err(|e| CliError::Internal(e.to_string()))?
            .map_err(CliError::BadInput)?;
    let (_, store) = open(storage).await?;
    // Everything is checked before anything is written, so a refusal leaves no organization behind.
    let email = email.trim().to_owned();
    if !email.contains('@') || email.contains(char::is_whitespace) || email.len() > 254 {
        return Err(CliError::bad(format!(
            "invalid email {email:?}: not an email address"
        )));
    }
    if store.find_user_by_email(&email).await?.is_some() {
        return Err(CliError::bad(format!("email {email} already exists")));
    }
    if organization.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(CliError::bad("--organization needs a name"));
    }
    let tenant = match tenant {
        Some(t) => {
            let id: TenantId = t
                .parse()
                .map_err(|e| CliError::bad(format!("invalid tenant {t:?}: {e}")))?;
            store.get_organization(id).await?;
            id
        }
        None => {
            let name = organization.unwrap_or_default();
            store
                .create_organization(&cli_actor(), &name, kind)
                .await?
                .id
        }
    };
    let user = store
        .create_user(&email, &hash)
        .await
        .map_err(|e| match e {
            // Taken between the check above and now: still the caller's problem.
            StoreError::Duplicate { .. } => CliError::BadInput(e.to_string()),
            other => CliError::Store(other),
        })?;
    store
        .add_membership(tenant, &cli_actor(), user.id, role)
        .await?;
    println!(
        "created {} ({}) in organization {tenant}",
        user.email,
        role.code()
    );
    Ok(())
}
