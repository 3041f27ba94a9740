//! The vocabulary of generated content: systems, names, roles, and the words release notes,
//! runbooks and commit messages are made of.

/// Systems: id, name, description.
pub type SystemDef = (&'static str, &'static str, &'static str);

#[rustfmt::skip]
pub const SYSTEMS: [SystemDef; 20] = [
    ("storefront", "Storefront", "The customer-facing web shop: product pages, basket and checkout screens."),
    ("payments", "Payments API", "Card, wallet and SEPA direct-debit payments, refunds and webhooks."),
    ("ledger", "Ledger", "Double-entry bookkeeping for orders, refunds and merchant payouts."),
    ("search", "Product Search", "Product search, filters and autocomplete."),
    ("identity", "Identity", "Customer accounts, login, sessions, passkeys and OAuth."),
    ("notifications", "Notifications", "Order and shipping e-mails, push notifications and SMS."),
    ("inventory", "Inventory", "Stock levels per warehouse and reservations for open baskets."),
    ("pricing", "Pricing", "Price lists, promotions and vouchers."),
    ("shipping", "Shipping", "Carrier selection, labels and tracking."),
    ("returns", "Returns", "Return requests, labels and refunds on receipt."),
    ("recommendations", "Recommendations", "Related products and personalised ranking."),
    ("loyalty", "Loyalty", "Points, tiers and member offers."),
    ("catalog", "Catalog", "Product data, media and categories."),
    ("checkout", "Checkout Service", "Basket to order: totals, taxes and order creation."),
    ("fraud", "Fraud Screening", "Risk scoring of orders and payments."),
    ("reporting", "Reporting", "Finance and operations reports, nightly exports."),
    ("warehouse", "Warehouse Integration", "Pick lists and dispatch confirmations from the warehouses."),
    ("mobile-api", "Mobile API", "Backend-for-frontend of the iOS and Android apps."),
    ("partner-api", "Partner API", "Marketplace sellers: listings, orders and payouts."),
    ("media", "Media Service", "Image resizing and the product image CDN origin."),
];

#[rustfmt::skip]
pub const FIRST: [&str; 25] = [
    "ada", "ben", "chioma", "dana", "elif", "farid", "greta", "hana", "ivan", "jonas", "kenji",
    "lea", "mateo", "noor", "olu", "priya", "quinn", "rahul", "sofia", "tomas", "uma", "vera",
    "wei", "yusuf", "zainab",
];
#[rustfmt::skip]
pub const LAST: [&str; 20] = [
    "becker", "raman", "okafor", "watanabe", "delgado", "nowak", "demir", "rossi", "yusuf",
    "haddad", "silva", "tan", "kowalski", "larsen", "moreau", "novak", "petrov", "schmidt",
    "costa", "ito",
];

#[rustfmt::skip]
/// Roles: id, name, and what each needs at verify, deploy, monitor and failed_deploy ("" for
/// nothing).
pub const ROLES: [(&str, &str, [&str; 4]); 11] = [
    ("system-owner", "System owner", ["needed", "needed", "needed", "needed"]),
    ("developer", "Developer", ["needed", "needed", "needed", "needed"]),
    ("sre", "Site reliability engineer", ["", "needed", "needed", "needed"]),
    ("qa-lead", "QA lead", ["needed", "", "", "when the failure is a regression"]),
    ("product-owner", "Product owner", ["for major releases", "", "", "needed"]),
    ("release-manager", "Release manager", ["needed", "needed", "", "needed"]),
    ("deployment-engineer", "Deployment engineer", ["", "needed", "needed", "needed"]),
    ("cto", "CTO", ["", "", "", "for customer-facing outages over 30 minutes"]),
    ("tech-lead", "Tech lead", ["needed", "", "", "needed"]),
    ("support-lead", "Support lead", ["", "", "needed", "needed"]),
    ("security-engineer", "Security engineer", ["for security fixes", "", "", "for security incidents"]),
];

#[rustfmt::skip]
pub const VERBS: [&str; 16] = [
    "Faster", "Safer", "Simpler", "Cheaper", "Quieter", "Smarter", "Leaner", "Clearer", "Better",
    "Resilient", "Batched", "Cached", "Streamed", "Retried", "Audited", "Localised",
];
#[rustfmt::skip]
pub const NOUNS: [&str; 24] = [
    "refunds", "basket totals", "order e-mails", "search ranking", "wallet top-ups", "payouts",
    "login sessions", "stock reservations", "voucher checks", "carrier labels", "image resizing",
    "price lists", "return labels", "webhook delivery", "fraud scores", "nightly exports",
    "push notifications", "product feeds", "partner listings", "tax rounding", "address lookup",
    "passkeys", "pick lists", "member offers",
];
#[rustfmt::skip]
pub const SENTENCES: [&str; 16] = [
    "The change is behind a feature flag that defaults to off for the first hour.",
    "Customers see no difference until the flag is switched on per market.",
    "Latency at the 99th percentile drops by roughly a third in the staging load test.",
    "The database migration only adds columns; it is safe to roll back the code without it.",
    "Old clients keep working: the previous response fields are still sent.",
    "Support has a short note with the visible changes and the known limitations.",
    "Error handling now retries twice with jitter before giving up.",
    "Metrics for the new path are on the system dashboard under \"Release\".",
    "The rollout starts with one market and widens after the canary is clean.",
    "Configuration moved from environment variables to the config service.",
    "A nightly job cleans up the records the old code left behind.",
    "Alert thresholds were tuned after the last incident review.",
    "This release removes a dependency that reached end of life.",
    "Logs no longer contain full card numbers or e-mail addresses.",
    "The API returns `409 Conflict` instead of `500` for duplicate requests.",
    "Translations for the new screens are complete in all shop languages.",
];
#[rustfmt::skip]
pub const CHANGES: [&str; 16] = [
    "New endpoint for partial refunds", "Idempotency keys on every write",
    "Retry with exponential backoff on carrier timeouts", "Cached price lookups for 60 seconds",
    "Smaller images on slow connections", "Audit log entries for admin changes",
    "Dark-launch of the new ranking model", "Removed the legacy XML export",
    "Pagination on the order history", "Rate limits per partner key",
    "Structured logs with request ids", "Graceful shutdown within 20 seconds",
    "Connection pool sized per pod", "Time zones stored as IANA names",
    "Health check covers the message queue", "Fewer database round trips on checkout",
];
#[rustfmt::skip]
pub const FLAGS: [&str; 8] = [
    "partial_refunds", "new_ranking", "fast_checkout", "async_labels", "passkey_login",
    "batched_payouts", "smart_retry", "image_avif",
];

/// Files the generated commits touch in a system's repository.
pub const SOURCE_FILES: [&str; 8] = [
    "src/api.rs",
    "src/handlers.rs",
    "src/store.rs",
    "src/config.rs",
    "src/jobs.rs",
    "src/metrics.rs",
    "migrations/schema.sql",
    "docs/operations.md",
];

/// Conventional-commit scopes.
pub const SCOPES: [&str; 6] = ["api", "store", "jobs", "config", "ui", "deps"];
