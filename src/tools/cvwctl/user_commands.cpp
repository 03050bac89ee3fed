// user list|show|add|set|remove|import|export|test-number, and the grant
// command the policy and dial plan groups share (it changes a user).
#include <array>
#include <boost/json/object.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "tools/cvwctl/commands.hpp"
#include "tools/cvwctl/failure.hpp"
#include "tools/cvwctl/output.hpp"

namespace cvw::cvwctl {
namespace json = boost::json;
namespace {

constexpr std::array kUserColumns = {
    Field{"SipUri", "sipUri"},
    Field{"DisplayName", "displayName"},
    Field{"LineUri", "lineUri"},
    Field{"CvwPhoneNumber", "cvwPhoneNumber"},
    Field{"EnterpriseVoice", "enterpriseVoice"},
    Field{"Enabled", "enabled"},
    Field{"Admin", "admin"},
    Field{"Site", "site"},
};

constexpr std::array kUserRecord = {
    Field{"SipUri", "sipUri"},
    Field{"DisplayName", "displayName"},
    Field{"Title", "title"},
    Field{"Department", "department"},
    Field{"Company", "company"},
    Field{"Email", "email"},
    Field{"LineUri", "lineUri"},
    Field{"CvwPhoneNumber", "cvwPhoneNumber"},
    Field{"EnterpriseVoice", "enterpriseVoice"},
    Field{"AutoAnswer", "autoAnswer"},
    Field{"SimultaneousRing", "simultaneousRing.enabled"},
    Field{"SimultaneousRingTarget", "simultaneousRing.target"},
    Field{"RingSeconds", "ringSeconds"},
    Field{"Forwarding", "forwarding.when"},
    Field{"ForwardingTarget", "forwarding.target"},
    Field{"Enabled", "enabled"},
    Field{"Admin", "admin"},
    Field{"Site", "site"},
    Field{"CallViaWorkPolicy", "callViaWorkPolicy"},
    Field{"DialPlan", "dialPlan"},
};

constexpr std::array kNumberTestRecord = {
    Field{"DialPlan", "dialPlan"}, Field{"Source", "source"}, Field{"Number", "number"},
    Field{"Result", "result"},     Field{"Rule", "rule"},
};

struct TextField {
  const char* option;
  const char* key;
  const char* help;
};
constexpr std::array kTextFields = {
    TextField{"--display-name", "displayName", "display name"},
    TextField{"--title", "title", "job title"},
    TextField{"--department", "department", "department"},
    TextField{"--company", "company", "company"},
    TextField{"--email", "email", "e-mail address"},
    TextField{"--line-uri", "lineUri", "line URI, e.g. tel:+14255551297;ext=51297"},
    TextField{"--cvw-phone-number", "cvwPhoneNumber",
              "the PBX desk phone Call Via Work rings (E.164 or extension)"},
    TextField{"--site", "site", "site, for Site: policies and dial plans"},
};

struct FlagField {
  const char* names;  // "--x,!--no-x": the second sets false
  const char* key;
  const char* help;
};
constexpr std::array kFlagFields = {
    FlagField{"--enterprise-voice,!--no-enterprise-voice", "enterpriseVoice",
              "Enterprise Voice on / off"},
    FlagField{"--auto-answer,!--no-auto-answer", "autoAnswer",
              "the desk phone answers Call Via Work's first leg by itself (phones that support it)"},
    FlagField{"--admin,!--no-admin", "admin", "administrator of cvw or not"},
    FlagField{"--enabled,!--disabled", "enabled", "may sign in or not"},
};

// The options of `user add` and `user set` that map one-to-one to User fields.
struct UserFieldOptions {
  std::array<std::string, kTextFields.size()> text;
  std::array<CLI::Option*, kTextFields.size()> text_options{};
  std::array<bool, kFlagFields.size()> flags{};
  std::array<CLI::Option*, kFlagFields.size()> flag_options{};
  bool password_stdin = false;

  void add_to(CLI::App* command) {
    for (std::size_t i = 0; i < kTextFields.size(); ++i)
      text_options[i] = command->add_option(kTextFields[i].option, text[i], kTextFields[i].help);
    for (std::size_t i = 0; i < kFlagFields.size(); ++i)
      flag_options[i] = command->add_flag(kFlagFields[i].names, flags[i], kFlagFields[i].help);
    command->add_flag("--password-stdin", password_stdin,
                      "read the user's password from the first line of stdin");
  }

  // The fields given on the command line, and the password when asked for.
  json::object body(Context& context) const {
    json::object fields;
    for (std::size_t i = 0; i < kTextFields.size(); ++i)
      if (text_options[i]->count() > 0) fields[kTextFields[i].key] = text[i];
    for (std::size_t i = 0; i < kFlagFields.size(); ++i)
      if (flag_options[i]->count() > 0) fields[kFlagFields[i].key] = flags[i];
    if (password_stdin) fields["password"] = context.password(true, "");
    return fields;
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure(ExitCode::kFailed, path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Failure(ExitCode::kFailed, path + ": cannot read: " + std::strerror(errno));
  return text.str();
}

std::string count_text(const json::value& reply, std::string_view key) {
  return cell_text(find_path(reply, key));
}

void add_list(CLI::App& group, Context& context) {
  struct Options {
    std::string search;
    int limit = 0;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command = group.add_subcommand("list", "List users (Get-CsUser)");
  command->add_option("--search", o->search,
                      "only users whose SIP URI, name, e-mail or line URI contains TEXT");
  command->add_option("--limit", o->limit, "at most N users (server default 100, at most 1000)")
      ->check(CLI::Range(1, 1000));
  context.on_run(command, [&context, o] {
    std::string target = "/api/v1/users";
    std::string query;
    if (!o->search.empty()) query += "search=" + encode_query_value(o->search);
    if (o->limit > 0)
      query += (query.empty() ? "" : "&") + std::string("limit=") + std::to_string(o->limit);
    if (!query.empty()) target += "?" + query;
    const json::value reply = context.api().get(target);
    context.show(reply, [&] { return table_view(reply_array(reply, "users"), kUserColumns); });
  });
}

void add_show(CLI::App& group, Context& context) {
  auto sip = std::make_shared<std::string>();
  CLI::App* command = group.add_subcommand("show", "Show one user");
  command->add_option("SIP", *sip, "the user's SIP URI (sip:alice@example.com)")->required();
  context.on_run(command, [&context, sip] {
    const json::value reply = context.api().get(user_path(*sip));
    context.show(reply, [&] { return record_view(reply, kUserRecord); });
  });
}

void add_add(CLI::App& group, Context& context) {
  struct Options {
    std::string sip;
    UserFieldOptions fields;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command = group.add_subcommand("add", "Create a user");
  command->add_option("SIP", o->sip, "the new user's SIP URI")->required();
  o->fields.add_to(command);
  context.on_run(command, [&context, o] {
    json::object body = o->fields.body(context);
    body["sipUri"] = o->sip;
    const json::value reply = context.api().post("/api/v1/users", body);
    context.show(reply, [&] { return record_view(reply, kUserRecord); });
  });
}

void add_set(CLI::App& group, Context& context) {
  struct Options {
    std::string sip;
    UserFieldOptions fields;
    std::string sim_ring;
    bool no_sim_ring = false;
    int ring_seconds = 0;
    std::string forward;
    std::string forward_on_no_answer;
    bool no_forward = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command = group.add_subcommand("set", "Change a user (only the options given change)");
  command->add_option("SIP", o->sip, "the user's SIP URI")->required();
  o->fields.add_to(command);
  CLI::Option* sim_ring = command->add_option(
      "--sim-ring", o->sim_ring, "turn simultaneous ring on, ringing TARGET too (a number)");
  command
      ->add_flag("--no-sim-ring", o->no_sim_ring, "turn simultaneous ring off (the target is kept)")
      ->excludes(sim_ring);
  CLI::Option* ring_seconds = command->add_option(
      "--ring-seconds", o->ring_seconds, "how long a call to the user rings their devices (5-120 s)");
  CLI::Option* forward = command->add_option(
      "--forward", o->forward, "forward every call to TARGET at once (a number or a user's SIP URI)");
  CLI::Option* forward_no_answer =
      command
          ->add_option("--forward-on-no-answer", o->forward_on_no_answer,
                       "forward a call nobody answered within the ring time to TARGET")
          ->excludes(forward);
  command->add_flag("--no-forward", o->no_forward, "stop forwarding (the target is kept)")
      ->excludes(forward)
      ->excludes(forward_no_answer);
  context.on_run(command, [&context, o, sim_ring, ring_seconds, forward, forward_no_answer] {
    json::object body = o->fields.body(context);
    if (sim_ring->count() > 0)
      body["simultaneousRing"] = json::object{{"enabled", true}, {"target", o->sim_ring}};
    if (o->no_sim_ring) body["simultaneousRing"] = json::object{{"enabled", false}};
    if (ring_seconds->count() > 0) body["ringSeconds"] = o->ring_seconds;
    if (forward->count() > 0) body["forwarding"] = json::object{{"when", "immediately"}, {"target", o->forward}};
    if (forward_no_answer->count() > 0)
      body["forwarding"] = json::object{{"when", "noAnswer"}, {"target", o->forward_on_no_answer}};
    if (o->no_forward) body["forwarding"] = json::object{{"when", "never"}};
    if (body.empty())
      throw Failure(ExitCode::kUsage, "user set: nothing to change (see 'cvwctl user set --help')");
    const json::value reply = context.api().patch(user_path(o->sip), body);
    context.show(reply, [&] { return record_view(reply, kUserRecord); });
  });
}

void add_remove(CLI::App& group, Context& context) {
  auto sip = std::make_shared<std::string>();
  CLI::App* command = group.add_subcommand("remove", "Delete a user");
  command->add_option("SIP", *sip, "the user's SIP URI")->required();
  context.on_run(command, [&context, sip] {
    context.api().remove(user_path(*sip));
    context.confirm("Removed user " + *sip);
  });
}

void add_import(CLI::App& group, Context& context) {
  auto file = std::make_shared<std::string>();
  CLI::App* command = group.add_subcommand("import",
                                           "Create or update users from a CSV file (all or "
                                           "nothing; columns as 'user export' writes them)");
  command->add_option("FILE", *file, "the CSV file")->required();
  context.on_run(command, [&context, file] {
    const json::value reply =
        context.api().post_text("/api/v1/users.csv", read_file(*file), "text/csv");
    context.show(reply, [&] {
      return "Imported " + *file + ": " + count_text(reply, "created") + " created, " +
             count_text(reply, "updated") + " updated\n";
    });
  });
}

void add_export(CLI::App& group, Context& context) {
  auto file = std::make_shared<std::string>();
  CLI::App* command =
      group.add_subcommand("export", "Write every user as CSV (no passwords) to FILE or stdout");
  command->add_option("FILE", *file, "where to write; standard output when left out");
  context.on_run(command, [&context, file] {
    const std::string csv = context.api().get_text("/api/v1/users.csv", "text/csv");
    if (file->empty()) {
      context.out() << csv;
      return;
    }
    write_file(*file, csv);
    context.confirm("Exported users to " + *file);
  });
}

void add_test_number(CLI::App& group, Context& context) {
  struct Options {
    std::string sip;
    std::string number;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command = group.add_subcommand(
      "test-number", "Normalize NUMBER with the dial plan that applies to the user");
  command->add_option("SIP", o->sip, "the user's SIP URI")->required();
  command->add_option("NUMBER", o->number, "the number as the user would dial it")->required();
  context.on_run(command, [&context, o] {
    const json::value reply = context.api().post(user_path(o->sip) + "/dial-plan/test",
                                                 json::object{{"number", o->number}});
    context.show(reply, [&] { return record_view(reply, kNumberTestRecord); });
  });
}

}  // namespace

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Failure(ExitCode::kFailed, path + ": cannot create: " + std::strerror(errno));
  out << text;
  out.close();
  if (!out) throw Failure(ExitCode::kFailed, path + ": cannot write: " + std::strerror(errno));
}

std::string user_path(std::string_view sip_uri) {
  return "/api/v1/users/" + encode_path_segment(sip_uri);
}

bool is_global_identity(std::string_view identity) {
  constexpr std::string_view kGlobal = "global";
  if (identity.size() != kGlobal.size()) return false;
  for (std::size_t i = 0; i < identity.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(identity[i])) != kGlobal[i]) return false;
  return true;
}

void add_grant_command(CLI::App& group, Context& context, std::string_view field,
                       std::string_view noun) {
  struct Options {
    std::string sip;
    std::string identity;
    bool revoke = false;
  };
  auto o = std::make_shared<Options>();
  const std::string what(noun);
  CLI::App* command = group.add_subcommand(
      "grant", "Grant a per-user (Tag:) " + what + " to a user, or --revoke it");
  command->add_option("SIP", o->sip, "the user's SIP URI")->required();
  CLI::Option* identity = command->add_option("IDENTITY", o->identity, "Tag:NAME, or just NAME");
  command
      ->add_flag("--revoke", o->revoke,
                 "remove the user's grant (the site's or Global then applies)")
      ->excludes(identity);
  context.on_run(command, [&context, o, what, key = std::string(field)] {
    if (o->identity.empty() && !o->revoke)
      throw Failure(ExitCode::kUsage, "grant: give the IDENTITY to grant, or --revoke");
    // SfB's per-user syntax: a bare NAME is the Tag: item of that name.
    const std::string tag = o->identity.find(':') == std::string::npos && !o->revoke
                                ? "Tag:" + o->identity
                                : o->identity;
    json::object body;
    if (o->revoke) {
      body[key] = nullptr;
    } else {
      body[key] = tag;
    }
    const json::value reply = context.api().patch(user_path(o->sip), body);
    context.show(reply, [&] {
      return o->revoke
                 ? "Revoked the " + what + " of " + printable(o->sip) + "\n"
                 : "Granted " + what + " " + printable(tag) + " to " + printable(o->sip) + "\n";
    });
  });
}

void add_user_commands(CLI::App& app, Context& context) {
  CLI::App* group = app.add_subcommand(
      "user", "Users: list, show, add, set, remove, import, export, test-number");
  group->require_subcommand(1);
  add_list(*group, context);
  add_show(*group, context);
  add_add(*group, context);
  add_set(*group, context);
  add_remove(*group, context);
  add_import(*group, context);
  add_export(*group, context);
  add_test_number(*group, context);
}

}  // namespace cvw::cvwctl
