#include "app/directory_store.hpp"

#include <array>

#include "app/call_history.hpp"
#include "app/registration_store.hpp"
#include "storage/migrate.hpp"

namespace cvw::app {

namespace {

using storage::Param;

// Identities and SIP URIs are stored in their canonical spelling and keyed by
// their case-folded form, as the directory compares them.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE users (
  sip_key TEXT PRIMARY KEY,
  sip_uri TEXT NOT NULL,
  display_name TEXT NOT NULL,
  title TEXT NOT NULL,
  department TEXT NOT NULL,
  company TEXT NOT NULL,
  email TEXT NOT NULL,
  line_uri TEXT NOT NULL,
  cvw_phone_number TEXT NOT NULL,
  enterprise_voice INTEGER NOT NULL,
  sim_ring_enabled INTEGER NOT NULL,
  sim_ring_target TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  admin INTEGER NOT NULL,
  site TEXT NOT NULL,
  cvw_policy TEXT,
  dial_plan TEXT
);
CREATE TABLE call_via_work_policies (
  identity_key TEXT PRIMARY KEY,
  identity TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  use_admin_callback_number INTEGER NOT NULL,
  admin_callback_number TEXT NOT NULL
);
CREATE TABLE dial_plans (
  identity_key TEXT PRIMARY KEY,
  identity TEXT NOT NULL,
  description TEXT NOT NULL
);
CREATE TABLE normalization_rules (
  dial_plan_key TEXT NOT NULL REFERENCES dial_plans(identity_key) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  pattern TEXT NOT NULL,
  translation TEXT NOT NULL,
  PRIMARY KEY (dial_plan_key, position)
);
CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_key TEXT NOT NULL REFERENCES users(sip_key) ON DELETE CASCADE,
  access_hash TEXT NOT NULL UNIQUE,
  access_expires BIGINT NOT NULL,
  refresh_hash TEXT NOT NULL UNIQUE,
  refresh_expires BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_key);
)sql";

// The application's whole schema, in order: the directory's tables and the
// call history (app/call_history.cpp) share one version sequence.
const std::array kMigrations{
    storage::Migration{1, "directory, policies, dial plans, settings, sessions", kSchemaV1},
    storage::Migration{2, "call history", kCallHistorySchema},
    storage::Migration{3, "users: auto-answer", "ALTER TABLE users ADD COLUMN auto_answer INTEGER NOT NULL DEFAULT 0"},
    storage::Migration{4, "call history: transfers", kCallHistoryTransfersSchema},
    storage::Migration{5, "users: SIP digest secrets (HA1) for the registrar",
                       "ALTER TABLE users ADD COLUMN sip_ha1_md5 TEXT NOT NULL DEFAULT '';\n"
                       "ALTER TABLE users ADD COLUMN sip_ha1_sha256 TEXT NOT NULL DEFAULT '';"},
    storage::Migration{6, "registrar bindings", kRegistrationsSchema},
    storage::Migration{7, "call history: incoming calls", kCallHistoryIncomingSchema},
    storage::Migration{8, "users: ring time and call forwarding",
                       "ALTER TABLE users ADD COLUMN ring_seconds INTEGER NOT NULL DEFAULT 20;\n"
                       "ALTER TABLE users ADD COLUMN forward_when TEXT NOT NULL DEFAULT 'never';\n"
                       "ALTER TABLE users ADD COLUMN forward_target TEXT NOT NULL DEFAULT '';"},
};

constexpr std::string_view kCallerIdSetting = "routing.call_via_work_caller_id";

Param text(const std::string& s) { return Param{s}; }
Param flag(bool b) { return Param{std::int64_t{b ? 1 : 0}}; }
Param optional_text(const std::optional<std::string>& s) { return s ? Param{*s} : Param{std::monostate{}}; }

}  // namespace

Result<int> DirectoryStore::migrate() { return storage::migrate(db_, kMigrations); }

Result<DirectorySnapshot> DirectoryStore::load() {
  DirectorySnapshot snapshot;
  auto users = db_.execute(
      "SELECT sip_uri, display_name, title, department, company, email, line_uri, cvw_phone_number, "
      "enterprise_voice, sim_ring_enabled, sim_ring_target, password_hash, enabled, admin, site, cvw_policy, "
      "dial_plan, auto_answer, sip_ha1_md5, sip_ha1_sha256, ring_seconds, forward_when, forward_target FROM users "
      "ORDER BY sip_key");
  if (!users) return users.error();
  for (const storage::Row& row : users->rows) {
    directory::User u;
    u.sip_uri = row.text(0);
    u.display_name = row.text(1);
    u.title = row.text(2);
    u.department = row.text(3);
    u.company = row.text(4);
    u.email = row.text(5);
    u.line_uri = row.text(6);
    u.cvw_phone_number = row.text(7);
    u.auto_answer = row.boolean(17);
    u.enterprise_voice = row.boolean(8);
    u.simultaneous_ring.enabled = row.boolean(9);
    u.simultaneous_ring.target = row.text(10);
    u.password_hash = row.text(11);
    u.sip_digest.md5_ha1 = row.text(18);
    u.sip_digest.sha256_ha1 = row.text(19);
    u.ring_seconds = static_cast<std::uint32_t>(row.integer(20));
    u.forwarding.when = directory::forwarding_when(row.text(21)).value_or(directory::CallForwarding::When::Never);
    u.forwarding.target = row.text(22);
    u.enabled = row.boolean(12);
    u.admin = row.boolean(13);
    u.site = row.text(14);
    if (!row.is_null(15)) u.cvw_policy = std::string(row.text(15));
    if (!row.is_null(16)) u.dial_plan = std::string(row.text(16));
    snapshot.users.push_back(std::move(u));
  }

  auto policies = db_.execute(
      "SELECT identity, enabled, use_admin_callback_number, admin_callback_number FROM call_via_work_policies");
  if (!policies) return policies.error();
  for (const storage::Row& row : policies->rows) {
    auto identity = directory::PolicyIdentity::parse(row.text(0));
    if (!identity) return Error{500, "stored Call Via Work policy: " + identity.error().message};
    directory::CallViaWorkPolicy p;
    p.identity = *identity;
    p.enabled = row.boolean(1);
    p.use_admin_callback_number = row.boolean(2);
    p.admin_callback_number = row.text(3);
    snapshot.policies.push_back(std::move(p));
  }

  auto plans = db_.execute("SELECT identity_key, identity, description FROM dial_plans ORDER BY identity_key");
  if (!plans) return plans.error();
  auto rules = db_.execute(
      "SELECT dial_plan_key, name, description, pattern, translation FROM normalization_rules "
      "ORDER BY dial_plan_key, position");
  if (!rules) return rules.error();
  std::size_t r = 0;
  for (const storage::Row& row : plans->rows) {
    auto identity = directory::PolicyIdentity::parse(row.text(1));
    if (!identity) return Error{500, "stored dial plan: " + identity.error().message};
    directory::DialPlan plan;
    plan.identity = *identity;
    plan.description = row.text(2);
    // Both result sets are ordered by plan key: walk the rules alongside.
    while (r < rules->rows.size() && rules->rows[r].text(0) < row.text(0)) ++r;
    for (; r < rules->rows.size() && rules->rows[r].text(0) == row.text(0); ++r) {
      const storage::Row& rule = rules->rows[r];
      auto made = directory::NormalizationRule::create(rule.text(1), rule.text(2), rule.text(3), rule.text(4));
      if (!made) return Error{500, "stored dial plan " + plan.identity.to_string() + ": " + made.error().message};
      plan.rules.push_back(std::move(*made));
    }
    snapshot.dial_plans.push_back(std::move(plan));
  }

  auto setting = db_.execute("SELECT value FROM settings WHERE name = $1", {std::string(kCallerIdSetting)});
  if (!setting) return setting.error();
  if (!setting->rows.empty()) snapshot.routing.call_via_work_caller_id = setting->rows[0].text(0);
  return snapshot;
}

Result<void> DirectoryStore::write_user(const directory::User& u) {
  const std::array<Param, 24> params{text(directory::sip_uri_key(u.sip_uri)),
                                     text(u.sip_uri),
                                     text(u.display_name),
                                     text(u.title),
                                     text(u.department),
                                     text(u.company),
                                     text(u.email),
                                     text(u.line_uri),
                                     text(u.cvw_phone_number),
                                     flag(u.enterprise_voice),
                                     flag(u.simultaneous_ring.enabled),
                                     text(u.simultaneous_ring.target),
                                     text(u.password_hash),
                                     flag(u.enabled),
                                     flag(u.admin),
                                     text(u.site),
                                     optional_text(u.cvw_policy),
                                     optional_text(u.dial_plan),
                                     flag(u.auto_answer),
                                     text(u.sip_digest.md5_ha1),
                                     text(u.sip_digest.sha256_ha1),
                                     Param{std::int64_t{u.ring_seconds}},
                                     text(std::string(directory::to_string(u.forwarding.when))),
                                     text(u.forwarding.target)};
  auto r = db_.execute(
      "INSERT INTO users (sip_key, sip_uri, display_name, title, department, company, email, line_uri, "
      "cvw_phone_number, enterprise_voice, sim_ring_enabled, sim_ring_target, password_hash, enabled, admin, site, "
      "cvw_policy, dial_plan, auto_answer, sip_ha1_md5, sip_ha1_sha256, ring_seconds, forward_when, forward_target) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, "
      "CAST($22 AS INTEGER), $23, $24) ON CONFLICT (sip_key) DO UPDATE SET sip_uri = excluded.sip_uri, "
      "display_name = excluded.display_name, "
      "title = excluded.title, department = excluded.department, company = excluded.company, email = "
      "excluded.email, line_uri = excluded.line_uri, cvw_phone_number = excluded.cvw_phone_number, "
      "enterprise_voice = excluded.enterprise_voice, sim_ring_enabled = excluded.sim_ring_enabled, "
      "sim_ring_target = excluded.sim_ring_target, password_hash = excluded.password_hash, enabled = "
      "excluded.enabled, admin = excluded.admin, site = excluded.site, cvw_policy = excluded.cvw_policy, "
      "dial_plan = excluded.dial_plan, auto_answer = excluded.auto_answer, sip_ha1_md5 = excluded.sip_ha1_md5, "
      "sip_ha1_sha256 = excluded.sip_ha1_sha256, ring_seconds = excluded.ring_seconds, "
      "forward_when = excluded.forward_when, forward_target = excluded.forward_target",
      params);
  if (!r) return r.error();
  return {};
}

Result<void> DirectoryStore::save_user(const directory::User& user) { return write_user(user); }

Result<void> DirectoryStore::save_users(const std::vector<directory::User>& users) {
  return db_.transaction([&]() -> Result<void> {
    for (const auto& u : users)
      if (auto r = write_user(u); !r) return r;
    return {};
  });
}

Result<void> DirectoryStore::delete_user(const std::string& sip_uri) {
  auto r = db_.execute("DELETE FROM users WHERE sip_key = $1", {directory::sip_uri_key(sip_uri)});
  if (!r) return r.error();
  return {};
}

Result<void> DirectoryStore::save_policy(const directory::CallViaWorkPolicy& p) {
  auto r = db_.execute(
      "INSERT INTO call_via_work_policies (identity_key, identity, enabled, use_admin_callback_number, "
      "admin_callback_number) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (identity_key) DO UPDATE SET identity = "
      "excluded.identity, enabled = excluded.enabled, use_admin_callback_number = "
      "excluded.use_admin_callback_number, admin_callback_number = excluded.admin_callback_number",
      {p.identity.key(), p.identity.to_string(), flag(p.enabled), flag(p.use_admin_callback_number),
       p.admin_callback_number});
  if (!r) return r.error();
  return {};
}

Result<void> DirectoryStore::delete_policy(const directory::PolicyIdentity& identity) {
  auto r = db_.execute("DELETE FROM call_via_work_policies WHERE identity_key = $1", {identity.key()});
  if (!r) return r.error();
  return {};
}

Result<void> DirectoryStore::save_dial_plan(const directory::DialPlan& plan) {
  const std::string key = plan.identity.key();
  return db_.transaction([&]() -> Result<void> {
    auto r = db_.execute(
        "INSERT INTO dial_plans (identity_key, identity, description) VALUES ($1, $2, $3) ON CONFLICT "
        "(identity_key) DO UPDATE SET identity = excluded.identity, description = excluded.description",
        {key, plan.identity.to_string(), plan.description});
    if (!r) return r.error();
    r = db_.execute("DELETE FROM normalization_rules WHERE dial_plan_key = $1", {key});
    if (!r) return r.error();
    for (std::size_t i = 0; i < plan.rules.size(); ++i) {
      const auto& rule = plan.rules[i];
      r = db_.execute(
          "INSERT INTO normalization_rules (dial_plan_key, position, name, description, pattern, translation) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          {key, static_cast<std::int64_t>(i), rule.name(), rule.description(), rule.pattern(), rule.translation()});
      if (!r) return r.error();
    }
    return {};
  });
}

Result<void> DirectoryStore::delete_dial_plan(const directory::PolicyIdentity& identity) {
  // Rules go with the plan (ON DELETE CASCADE).
  auto r = db_.execute("DELETE FROM dial_plans WHERE identity_key = $1", {identity.key()});
  if (!r) return r.error();
  return {};
}

Result<void> DirectoryStore::save_routing(const directory::RoutingConfiguration& routing) {
  auto r = db_.execute(
      "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      {std::string(kCallerIdSetting), routing.call_via_work_caller_id});
  if (!r) return r.error();
  return {};
}

Result<void> DirectoryStore::insert_session(const StoredSession& s) {
  auto r = db_.execute(
      "INSERT INTO sessions (id, user_key, access_hash, access_expires, refresh_hash, refresh_expires) VALUES ($1, "
      "$2, $3, $4, $5, $6)",
      {s.id, s.user_key, s.access_hash, s.access_expires, s.refresh_hash, s.refresh_expires});
  if (!r) return r.error();
  return {};
}

Result<void> DirectoryStore::replace_session_tokens(const StoredSession& s) {
  auto r = db_.execute(
      "UPDATE sessions SET access_hash = $2, access_expires = $3, refresh_hash = $4, refresh_expires = $5 WHERE id "
      "= $1",
      {s.id, s.access_hash, s.access_expires, s.refresh_hash, s.refresh_expires});
  if (!r) return r.error();
  return {};
}

Result<void> DirectoryStore::delete_session(const std::string& id) {
  auto r = db_.execute("DELETE FROM sessions WHERE id = $1", {id});
  if (!r) return r.error();
  return {};
}

Result<void> DirectoryStore::delete_sessions_of(const std::string& user_key) {
  auto r = db_.execute("DELETE FROM sessions WHERE user_key = $1", {user_key});
  if (!r) return r.error();
  return {};
}

Result<void> DirectoryStore::delete_expired_sessions(std::int64_t now) {
  auto r = db_.execute("DELETE FROM sessions WHERE refresh_expires <= $1", {now});
  if (!r) return r.error();
  return {};
}

Result<std::vector<StoredSession>> DirectoryStore::load_sessions(std::int64_t now) {
  if (auto purge = delete_expired_sessions(now); !purge) return purge.error();
  auto rows = db_.execute(
      "SELECT id, user_key, access_hash, access_expires, refresh_hash, refresh_expires FROM sessions");
  if (!rows) return rows.error();
  std::vector<StoredSession> out;
  for (const storage::Row& row : rows->rows)
    out.push_back(StoredSession{std::string(row.text(0)), std::string(row.text(1)), std::string(row.text(2)),
                                row.integer(3), std::string(row.text(4)), row.integer(5)});
  return out;
}

Result<void> DirectoryStore::ping() {
  auto r = db_.execute("SELECT 1 AS one");
  if (!r) return r.error();
  return {};
}

}  // namespace cvw::app
