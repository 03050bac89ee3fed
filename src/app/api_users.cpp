// Users (admin): list, create, read, change, delete, CSV import/export, and
// "test this number" with a user's effective dial plan.
#include <boost/beast/http/field.hpp>

#include <memory>

#include "app/api.hpp"
#include "app/sip_credentials.hpp"
#include "directory/user_csv.hpp"

namespace cvw::app {

using http::Incoming;
using http::Responder;
using http::Status;
namespace bhttp = boost::beast::http;

namespace {

// Reads an optional member into `target` when present.
template <typename T, typename Getter>
Result<void> read_into(Getter&& get, T& target) {
  auto value = get();
  if (!value) return value.error();
  if (*value) target = std::move(**value);
  return {};
}

}  // namespace

Result<void> Api::apply_user_fields(JsonFields& f, directory::User& u) const {
  struct TextField {
    std::string_view name;
    std::string* target;
  };
  for (const TextField& t : {TextField{"displayName", &u.display_name}, TextField{"title", &u.title},
                             TextField{"department", &u.department}, TextField{"company", &u.company},
                             TextField{"email", &u.email}, TextField{"lineUri", &u.line_uri},
                             TextField{"cvwPhoneNumber", &u.cvw_phone_number}, TextField{"site", &u.site}})
    if (auto r = read_into([&] { return f.string(t.name); }, *t.target); !r) return r;
  struct FlagField {
    std::string_view name;
    bool* target;
  };
  for (const FlagField& b : {FlagField{"enterpriseVoice", &u.enterprise_voice}, FlagField{"autoAnswer", &u.auto_answer},
                             FlagField{"enabled", &u.enabled}, FlagField{"admin", &u.admin}})
    if (auto r = read_into([&] { return f.boolean(b.name); }, *b.target); !r) return r;
  if (auto r = apply_call_settings(f, u); !r) return r;
  for (auto [name, target] : {std::pair{std::string_view("callViaWorkPolicy"), &u.cvw_policy},
                              std::pair{std::string_view("dialPlan"), &u.dial_plan}}) {
    auto grant = f.nullable_string(name);
    if (!grant) return grant.error();
    if (*grant) *target = **grant;  // a name grants, null revokes
  }
  return {};
}

void Api::list_users(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto [path, query] = http::split_target(in.request.target());
  std::string search = http::query_param(query, "search").value_or("");
  std::size_t limit = 100;
  if (auto l = http::query_param(query, "limit")) {
    char* end = nullptr;
    unsigned long v = std::strtoul(l->c_str(), &end, 10);
    if (l->empty() || *end != '\0' || v == 0 || v > 1000)
      return out.send(error_from(Error{400, "limit \"" + *l + "\": a number from 1 to 1000 expected"}));
    limit = v;
  }
  boost::json::array users;
  for (const directory::User* u : directory_.search_users(search, limit)) users.push_back(to_json(*u));
  out.send(http::json_response(Status::ok, {{"users", std::move(users)}}));
}

void Api::create_user(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  directory::User user;
  auto sip = fields.string("sipUri");
  if (!sip) return out.send(error_from(sip.error()));
  if (!*sip) return out.send(error_from(Error{400, "\"sipUri\" is required"}));
  user.sip_uri = **sip;
  auto password = fields.string("password");
  if (!password) return out.send(error_from(password.error()));
  if (auto r = apply_user_fields(fields, user); !r) return out.send(error_from(r.error()));
  if (auto r = fields.no_unknown(); !r) return out.send(error_from(r.error()));
  if (auto r = directory::normalize_user(user); !r) return out.send(error_from(r.error()));
  if (directory_.find_user(user.sip_uri))
    return out.send(error_from(Error{409, "user " + user.sip_uri + " exists"}));

  auto finish = [this](Responder& reply, directory::User u) {
    auto created = directory_.create_user(std::move(u));
    if (!created) return reply.send(error_from(created.error()));
    http::Response r = http::json_response(Status::created, to_json(*created));
    r.set(bhttp::field::location, "/api/v1/users/" + created->sip_uri);
    reply.send(std::move(r));
  };
  if (!*password) return finish(out, std::move(user));
  if (auto r = directory::validate_password(**password); !r) return out.send(error_from(r.error()));
  user.sip_digest = sip_digest_for(user.sip_uri, **password);
  auto held = std::make_shared<Responder>(std::move(out));
  passwords_.hash(std::move(**password), [held, finish, user = std::move(user)](std::string encoded) mutable {
    user.password_hash = std::move(encoded);
    finish(*held, std::move(user));
  });
}

void Api::get_user(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  const directory::User* user = directory_.find_user(in.params["sipUri"]);
  if (!user) return out.send(error_from(Error{404, "user " + std::string(in.params["sipUri"]) + " not found"}));
  out.send(http::json_response(Status::ok, to_json(*user)));
}

void Api::patch_user(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  const directory::User* existing = directory_.find_user(in.params["sipUri"]);
  if (!existing) return out.send(error_from(Error{404, "user " + std::string(in.params["sipUri"]) + " not found"}));
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  directory::User user = *existing;
  auto sip = fields.string("sipUri");
  if (!sip) return out.send(error_from(sip.error()));
  auto same_user = [&](const std::string& uri) {
    auto normalized = directory::normalize_sip_uri(uri);
    return normalized && directory::sip_uri_key(*normalized) == directory::sip_uri_key(user.sip_uri);
  };
  if (*sip && !same_user(**sip))
    return out.send(error_from(Error{400, "sipUri cannot change; create a new user instead"}));
  auto password = fields.string("password");
  if (!password) return out.send(error_from(password.error()));
  if (auto r = apply_user_fields(fields, user); !r) return out.send(error_from(r.error()));
  if (auto r = fields.no_unknown(); !r) return out.send(error_from(r.error()));

  auto finish = [this](Responder& reply, directory::User u) {
    auto saved = directory_.replace_user(std::move(u));
    if (!saved) return reply.send(error_from(saved.error()));
    user_changed(*saved);
    reply.send(http::json_response(Status::ok, to_json(*saved)));
  };
  if (!*password) return finish(out, std::move(user));
  if (auto r = directory::validate_password(**password); !r) return out.send(error_from(r.error()));
  user.sip_digest = sip_digest_for(user.sip_uri, **password);
  auto held = std::make_shared<Responder>(std::move(out));
  passwords_.hash(std::move(**password), [held, finish, user = std::move(user)](std::string encoded) mutable {
    user.password_hash = std::move(encoded);
    finish(*held, std::move(user));
  });
}

void Api::delete_user(const Incoming& in, Responder out) {
  auto principal = require_admin(in, out);
  if (!principal) return;
  const directory::User* user = directory_.find_user(in.params["sipUri"]);
  if (!user) return out.send(error_from(Error{404, "user " + std::string(in.params["sipUri"]) + " not found"}));
  if (user == principal->user)
    return out.send(error_from(Error{409, "an administrator cannot delete their own account"}));
  if (auto r = directory_.delete_user(user->sip_uri); !r) return out.send(error_from(r.error()));
  out.send(http::empty_response(Status::no_content));
}

void Api::export_users(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  http::Response r{Status::ok, 11};
  r.set(bhttp::field::content_type, "text/csv; charset=utf-8");
  r.body() = directory::export_users_csv(directory_.all_users());
  out.send(std::move(r));
}

void Api::import_users(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto file = directory::import_users_csv(in.request.body());
  if (!file) return out.send(error_from(file.error()));
  auto summary = directory_.import_users(std::move(*file));
  if (!summary) return out.send(error_from(summary.error()));
  out.send(http::json_response(Status::ok, {{"created", summary->created}, {"updated", summary->updated}}));
}

void Api::test_user_number(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  const directory::User* user = directory_.find_user(in.params["sipUri"]);
  if (!user) return out.send(error_from(Error{404, "user " + std::string(in.params["sipUri"]) + " not found"}));
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  auto number = fields.string("number");
  if (!number) return out.send(error_from(number.error()));
  if (auto r = fields.no_unknown(); !r) return out.send(error_from(r.error()));
  if (!*number) return out.send(error_from(Error{400, "\"number\" is required"}));
  auto effective = directory_.dial_plans().effective(*user);
  auto normalized = directory::normalize(effective.item, **number);
  if (!normalized) return out.send(error_from(normalized.error()));
  boost::json::object o{{"dialPlan", effective.identity.to_string()},
                        {"source", directory::to_string(effective.source)},
                        {"number", **number},
                        {"result", normalized->number}};
  if (normalized->rule) o["rule"] = *normalized->rule;
  else o["rule"] = nullptr;
  out.send(http::json_response(Status::ok, o));
}

}  // namespace cvw::app
