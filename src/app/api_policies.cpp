// Call Via Work policies, the routing configuration and dial plans (admin),
// with the Cs* cmdlets' semantics from src/directory.
#include "app/api.hpp"

namespace cvw::app {

using http::Incoming;
using http::Responder;
using http::Status;

namespace {

Result<directory::PolicyIdentity> identity_of(const Incoming& in) {
  return directory::PolicyIdentity::parse(in.params["identity"]);
}

Result<directory::CallViaWorkPolicyUpdate> read_policy_update(JsonFields& f) {
  directory::CallViaWorkPolicyUpdate update;
  auto enabled = f.boolean("enabled");
  if (!enabled) return enabled.error();
  update.enabled = *enabled;
  auto use = f.boolean("useAdminCallbackNumber");
  if (!use) return use.error();
  update.use_admin_callback_number = *use;
  auto number = f.string("adminCallbackNumber");
  if (!number) return number.error();
  update.admin_callback_number = *number;
  if (auto r = f.no_unknown(); !r) return r.error();
  return update;
}

Result<directory::NormalizationRuleUpdate> read_rule_update(JsonFields& f) {
  directory::NormalizationRuleUpdate update;
  for (auto [name, target] : {std::pair{"name", &update.name}, std::pair{"description", &update.description},
                              std::pair{"pattern", &update.pattern}, std::pair{"translation", &update.translation}}) {
    auto value = f.string(name);
    if (!value) return value.error();
    *target = *value;
  }
  auto priority = f.integer("priority");
  if (!priority) return priority.error();
  if (*priority) {
    if (**priority < -1000000 || **priority > 1000000) return Error{400, "priority: out of range"};
    update.priority = static_cast<int>(**priority);
  }
  if (auto r = f.no_unknown(); !r) return r.error();
  return update;
}

template <typename T>
void send_result(Responder& out, const Result<T>& r, Status status = Status::ok) {
  if (!r) return out.send(error_from(r.error()));
  out.send(http::json_response(status, to_json(*r)));
}

void send_empty(Responder& out, const Result<void>& r) {
  if (!r) return out.send(error_from(r.error()));
  out.send(http::empty_response(Status::no_content));
}

}  // namespace

void Api::list_policies(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  boost::json::array list;
  for (const auto& p : directory_.policies().list()) list.push_back(to_json(p));
  out.send(http::json_response(Status::ok, {{"policies", std::move(list)}}));
}

void Api::create_policy(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  auto identity_text = fields.string("identity");
  if (!identity_text) return out.send(error_from(identity_text.error()));
  if (!*identity_text) return out.send(error_from(Error{400, "\"identity\" is required"}));
  auto identity = directory::PolicyIdentity::parse(**identity_text);
  if (!identity) return out.send(error_from(identity.error()));
  auto update = read_policy_update(fields);
  if (!update) return out.send(error_from(update.error()));
  send_result(out, directory_.create_policy(*identity, *update), Status::created);
}

void Api::get_policy(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto identity = identity_of(in);
  if (!identity) return out.send(error_from(identity.error()));
  send_result(out, directory_.policies().get(*identity));
}

void Api::patch_policy(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto identity = identity_of(in);
  if (!identity) return out.send(error_from(identity.error()));
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  auto update = read_policy_update(fields);
  if (!update) return out.send(error_from(update.error()));
  send_result(out, directory_.set_policy(*identity, *update));
}

void Api::delete_policy(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto identity = identity_of(in);
  if (!identity) return out.send(error_from(identity.error()));
  send_empty(out, directory_.remove_policy(*identity));
}

void Api::get_routing(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  out.send(http::json_response(Status::ok,
                               {{"callViaWorkCallerId", directory_.routing().call_via_work_caller_id}}));
}

void Api::patch_routing(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  auto caller_id = fields.string("callViaWorkCallerId");
  if (!caller_id) return out.send(error_from(caller_id.error()));
  if (auto r = fields.no_unknown(); !r) return out.send(error_from(r.error()));
  directory::RoutingConfiguration next = directory_.routing();
  if (*caller_id) {
    auto parsed = directory::parse_call_via_work_caller_id(**caller_id);
    if (!parsed) return out.send(error_from(parsed.error()));
    next.call_via_work_caller_id = *parsed;
  }
  auto saved = directory_.set_routing(std::move(next));
  if (!saved) return out.send(error_from(saved.error()));
  out.send(http::json_response(Status::ok, {{"callViaWorkCallerId", saved->call_via_work_caller_id}}));
}

void Api::list_dial_plans(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  boost::json::array list;
  for (const auto& p : directory_.dial_plans().list()) list.push_back(to_json(p));
  out.send(http::json_response(Status::ok, {{"dialPlans", std::move(list)}}));
}

void Api::create_dial_plan(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  auto identity_text = fields.string("identity");
  auto description = fields.string("description");
  if (!identity_text) return out.send(error_from(identity_text.error()));
  if (!description) return out.send(error_from(description.error()));
  if (!*identity_text) return out.send(error_from(Error{400, "\"identity\" is required"}));
  auto identity = directory::PolicyIdentity::parse(**identity_text);
  if (!identity) return out.send(error_from(identity.error()));
  std::optional<std::vector<directory::NormalizationRule>> rules;
  if (const boost::json::value* list = fields.value("rules")) {
    if (!list->is_array()) return out.send(error_from(Error{400, "field \"rules\": an array expected"}));
    rules.emplace();
    for (const boost::json::value& item : list->as_array()) {
      if (!item.is_object()) return out.send(error_from(Error{400, "field \"rules\": objects expected"}));
      JsonFields rf(item.as_object());
      auto update = read_rule_update(rf);
      if (!update) return out.send(error_from(update.error()));
      if (update->priority) return out.send(error_from(Error{400, "rules: give the rules in order, without priority"}));
      if (!update->name) return out.send(error_from(Error{400, "rules: every rule needs a \"name\""}));
      auto rule = directory::NormalizationRule::create(
          *update->name, update->description.value_or(""),
          update->pattern.value_or(std::string(directory::kDefaultPattern)),
          update->translation.value_or(std::string(directory::kDefaultTranslation)));
      if (!rule) return out.send(error_from(rule.error()));
      rules->push_back(std::move(*rule));
    }
  }
  if (auto r = fields.no_unknown(); !r) return out.send(error_from(r.error()));
  send_result(out, directory_.create_dial_plan(*identity, description->value_or(""), std::move(rules)),
              Status::created);
}

void Api::get_dial_plan(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto identity = identity_of(in);
  if (!identity) return out.send(error_from(identity.error()));
  send_result(out, directory_.dial_plans().get(*identity));
}

void Api::patch_dial_plan(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto identity = identity_of(in);
  if (!identity) return out.send(error_from(identity.error()));
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  auto description = fields.string("description");
  if (!description) return out.send(error_from(description.error()));
  if (auto r = fields.no_unknown(); !r) return out.send(error_from(r.error()));
  send_result(out, directory_.set_dial_plan(*identity, directory::DialPlanUpdate{*description}));
}

void Api::delete_dial_plan(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto identity = identity_of(in);
  if (!identity) return out.send(error_from(identity.error()));
  send_empty(out, directory_.remove_dial_plan(*identity));
}

void Api::add_rule(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto identity = identity_of(in);
  if (!identity) return out.send(error_from(identity.error()));
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  auto update = read_rule_update(fields);
  if (!update) return out.send(error_from(update.error()));
  if (!update->name) return out.send(error_from(Error{400, "\"name\" is required"}));
  auto rule = directory::NormalizationRule::create(
      *update->name, update->description.value_or(""),
      update->pattern.value_or(std::string(directory::kDefaultPattern)),
      update->translation.value_or(std::string(directory::kDefaultTranslation)));
  if (!rule) return out.send(error_from(rule.error()));
  send_result(out, directory_.add_rule(*identity, std::move(*rule), update->priority), Status::created);
}

void Api::patch_rule(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto identity = identity_of(in);
  if (!identity) return out.send(error_from(identity.error()));
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  auto update = read_rule_update(fields);
  if (!update) return out.send(error_from(update.error()));
  send_result(out, directory_.set_rule(*identity, in.params["name"], *update));
}

void Api::delete_rule(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto identity = identity_of(in);
  if (!identity) return out.send(error_from(identity.error()));
  auto changed = directory_.remove_rule(*identity, in.params["name"]);
  if (!changed) return out.send(error_from(changed.error()));
  out.send(http::empty_response(Status::no_content));
}

void Api::test_dial_plan(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  auto identity = identity_of(in);
  if (!identity) return out.send(error_from(identity.error()));
  auto plan = directory_.dial_plans().get(*identity);
  if (!plan) return out.send(error_from(plan.error()));
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  auto number = fields.string("number");
  if (!number) return out.send(error_from(number.error()));
  if (auto r = fields.no_unknown(); !r) return out.send(error_from(r.error()));
  if (!*number) return out.send(error_from(Error{400, "\"number\" is required"}));
  auto normalized = directory::normalize(*plan, **number);
  if (!normalized) return out.send(error_from(normalized.error()));
  boost::json::object o{{"dialPlan", plan->identity.to_string()}, {"number", **number}, {"result", normalized->number}};
  if (normalized->rule) o["rule"] = *normalized->rule;
  else o["rule"] = nullptr;
  out.send(http::json_response(Status::ok, o));
}

}  // namespace cvw::app
