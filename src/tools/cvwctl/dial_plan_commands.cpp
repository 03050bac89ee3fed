// dialplan list|show|new|set|remove|grant|test and dialplan rule
// add|set|remove: dial plans and their normalization rules
// (Get-/New-/Set-/Remove-/Grant-/Test-CsDialPlan, New-/Set-/Remove-CsVoiceNormalizationRule).
#include <array>
#include <boost/json/object.hpp>
#include <memory>

#include "tools/cvwctl/commands.hpp"
#include "tools/cvwctl/failure.hpp"
#include "tools/cvwctl/output.hpp"

namespace cvw::cvwctl {
namespace json = boost::json;
namespace {

constexpr std::string_view kDialPlans = "/api/v1/dial-plans";

constexpr std::array kPlanFields = {Field{"Identity", "identity"},
                                    Field{"Description", "description"}};
constexpr std::array kRuleColumns = {
    Field{"Name", "name"},
    Field{"Pattern", "pattern"},
    Field{"Translation", "translation"},
    Field{"Description", "description"},
};
constexpr std::array kTestFields = {Field{"DialPlan", "dialPlan"}, Field{"Number", "number"},
                                    Field{"Result", "result"}, Field{"Rule", "rule"}};

std::string plan_path(std::string_view identity) {
  return std::string(kDialPlans) + "/" + encode_path_segment(identity);
}

std::string rule_path(std::string_view identity, std::string_view name) {
  return plan_path(identity) + "/rules/" + encode_path_segment(name);
}

const json::array* rules_of(const json::value& plan) {
  const json::value* rules = find_path(plan, "rules");
  return rules == nullptr ? nullptr : rules->if_array();
}

// Identity and description, then the rules in the order they are tried,
// numbered with the priority `rule add --priority` takes.
std::string plan_view(const json::value& plan) {
  const json::array* rules = rules_of(plan);
  if (rules == nullptr || rules->empty()) {
    std::vector<std::pair<std::string, std::string>> lines;
    for (const Field& field : kPlanFields)
      lines.emplace_back(field.label, cell_text(find_path(plan, field.path)));
    lines.emplace_back("Rules", "(none)");
    return render_key_values(lines);
  }
  std::string out = record_view(plan, kPlanFields);
  Row headers = table_headers(kRuleColumns);
  headers.insert(headers.begin(), "Priority");
  std::vector<Row> rows = table_rows(*rules, kRuleColumns);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i].insert(rows[i].begin(), std::to_string(i));
  return out + "\n" + render_table(headers, rows);
}

std::string plans_view(const json::array& plans) {
  Row headers = table_headers(kPlanFields);
  headers.emplace_back("Rules");
  std::vector<Row> rows = table_rows(plans, kPlanFields);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const json::array* rules = rules_of(plans[i]);
    rows[i].push_back(std::to_string(rules == nullptr ? 0 : rules->size()));
  }
  return render_table(headers, rows);
}

void show_plan(Context& context, const json::value& reply) {
  context.show(reply, [&] { return plan_view(reply); });
}

void add_list(CLI::App& group, Context& context) {
  CLI::App* command = group.add_subcommand("list", "List the dial plans (Get-CsDialPlan)");
  context.on_run(command, [&context] {
    const json::value reply = context.api().get(kDialPlans);
    context.show(reply, [&] { return plans_view(reply_array(reply, "dialPlans")); });
  });
}

void add_show(CLI::App& group, Context& context) {
  auto identity = std::make_shared<std::string>();
  CLI::App* command = group.add_subcommand("show", "Show a dial plan and its rules");
  command->add_option("IDENTITY", *identity, "Global, Site:NAME or Tag:NAME")->required();
  context.on_run(command, [&context, identity] {
    show_plan(context, context.api().get(plan_path(*identity)));
  });
}

void add_new(CLI::App& group, Context& context) {
  struct Options {
    std::string identity;
    std::string description;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command = group.add_subcommand(
      "new", "Create a Site: or Tag: dial plan with the default rules (New-CsDialPlan)");
  command->add_option("IDENTITY", o->identity, "Site:NAME or Tag:NAME")->required();
  CLI::Option* description =
      command->add_option("--description", o->description, "what the plan is for");
  context.on_run(command, [&context, o, description] {
    json::object body{{"identity", o->identity}};
    if (description->count() > 0) body["description"] = o->description;
    show_plan(context, context.api().post(kDialPlans, body));
  });
}

void add_set(CLI::App& group, Context& context) {
  struct Options {
    std::string identity;
    std::string description;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command =
      group.add_subcommand("set", "Change a dial plan's description (Set-CsDialPlan)");
  command->add_option("IDENTITY", o->identity, "Global, Site:NAME or Tag:NAME")->required();
  command->add_option("--description", o->description, "the new description")->required();
  context.on_run(command, [&context, o] {
    show_plan(context, context.api().patch(plan_path(o->identity),
                                           json::object{{"description", o->description}}));
  });
}

void add_remove(CLI::App& group, Context& context) {
  auto identity = std::make_shared<std::string>();
  CLI::App* command = group.add_subcommand(
      "remove", "Delete a dial plan; Global is reset to its defaults (Remove-CsDialPlan)");
  command->add_option("IDENTITY", *identity, "Global, Site:NAME or Tag:NAME")->required();
  context.on_run(command, [&context, identity] {
    context.api().remove(plan_path(*identity));
    context.confirm(is_global_identity(*identity) ? "Reset the Global dial plan to its defaults"
                                                  : "Removed dial plan " + *identity);
  });
}

void add_test(CLI::App& group, Context& context) {
  struct Options {
    std::string identity;
    std::string number;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command =
      group.add_subcommand("test", "Normalize NUMBER with a dial plan (Test-CsDialPlan)");
  command->add_option("IDENTITY", o->identity, "Global, Site:NAME or Tag:NAME")->required();
  command->add_option("NUMBER", o->number, "the number as a user would dial it")->required();
  context.on_run(command, [&context, o] {
    const json::value reply =
        context.api().post(plan_path(o->identity) + "/test", json::object{{"number", o->number}});
    context.show(reply, [&] { return record_view(reply, kTestFields); });
  });
}

// The options rule add and rule set share.
struct RuleOptions {
  std::string identity;
  std::string name;
  std::string pattern;
  std::string translation;
  std::string description;
  int priority = 0;
  CLI::Option* pattern_option = nullptr;
  CLI::Option* translation_option = nullptr;
  CLI::Option* description_option = nullptr;
  CLI::Option* priority_option = nullptr;

  void add_to(CLI::App* command) {
    command->add_option("IDENTITY", identity, "the dial plan: Global, Site:NAME or Tag:NAME")
        ->required();
    command->add_option("NAME", name, "the rule's name, unique in the plan")->required();
    pattern_option = command->add_option(
        "--pattern", pattern, "regular expression the number must match, e.g. ^(\\d{4})$");
    translation_option =
        command->add_option("--translation", translation, "what a match becomes, e.g. +1425555$1");
    description_option = command->add_option("--description", description, "what the rule is for");
    priority_option = command
                          ->add_option("--priority", priority,
                                       "position in the plan: 0 is tried first (default: last)")
                          ->check(CLI::NonNegativeNumber);
  }

  json::object body() const {
    json::object fields;
    if (pattern_option->count() > 0) fields["pattern"] = pattern;
    if (translation_option->count() > 0) fields["translation"] = translation;
    if (description_option->count() > 0) fields["description"] = description;
    if (priority_option->count() > 0) fields["priority"] = priority;
    return fields;
  }
};

void add_rule_commands(CLI::App& group, Context& context) {
  CLI::App* rule =
      group.add_subcommand("rule", "A dial plan's normalization rules: add, set, remove");
  rule->require_subcommand(1);

  auto added = std::make_shared<RuleOptions>();
  CLI::App* add =
      rule->add_subcommand("add", "Add a rule to a plan (New-CsVoiceNormalizationRule)");
  added->add_to(add);
  added->pattern_option->required();
  added->translation_option->required();
  context.on_run(add, [&context, added] {
    json::object body = added->body();
    body["name"] = added->name;
    show_plan(context, context.api().post(plan_path(added->identity) + "/rules", body));
  });

  auto changed = std::make_shared<RuleOptions>();
  CLI::App* set = rule->add_subcommand(
      "set", "Change a rule; only the options given change (Set-CsVoiceNormalizationRule)");
  changed->add_to(set);
  context.on_run(set, [&context, changed] {
    json::object body = changed->body();
    if (body.empty())
      throw Failure(ExitCode::kUsage,
                    "dialplan rule set: nothing to change: give --pattern, --translation, "
                    "--description or --priority");
    show_plan(context, context.api().patch(rule_path(changed->identity, changed->name), body));
  });

  struct RemoveOptions {
    std::string identity;
    std::string name;
  };
  auto removed = std::make_shared<RemoveOptions>();
  CLI::App* remove =
      rule->add_subcommand("remove", "Delete a rule (Remove-CsVoiceNormalizationRule)");
  remove->add_option("IDENTITY", removed->identity, "the dial plan")->required();
  remove->add_option("NAME", removed->name, "the rule's name")->required();
  context.on_run(remove, [&context, removed] {
    context.api().remove(rule_path(removed->identity, removed->name));
    context.confirm("Removed rule " + removed->name + " from dial plan " + removed->identity);
  });
}

}  // namespace

void add_dial_plan_commands(CLI::App& app, Context& context) {
  CLI::App* group =
      app.add_subcommand("dialplan", "Dial plans: list, show, new, set, remove, grant, rule, test");
  group->require_subcommand(1);
  add_list(*group, context);
  add_show(*group, context);
  add_new(*group, context);
  add_set(*group, context);
  add_remove(*group, context);
  add_grant_command(*group, context, "dialPlan", "dial plan");
  add_rule_commands(*group, context);
  add_test(*group, context);
}

}  // namespace cvw::cvwctl
