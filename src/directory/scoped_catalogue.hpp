// The part of the SfB policy cmdlets that is the same for every policy type
// (New-/Get-/Set-/Remove-/Grant-Cs...Policy, and the same for dial plans),
// written once: an in-memory set of items keyed by PolicyIdentity.
//
// Rules (from the cmdlet reference):
// - The Global item always exists; it cannot be created, and removing it
//   resets it to its defaults ("The global policy will not be removed, but
//   the parameters will be reset to the defaults").
// - New-* fails when the identity exists; Set-/Get-/Remove-* fail when not.
// - Grant-* names an existing Tag: item, or nothing to clear the grant.
// - Removing a Tag: item that is granted is allowed. The grants stay on the
//   users and are treated as absent (site or Global applies) until a tag of
//   that name exists again; see Resolution::granted_tag_missing.
//
// An Item is a copyable struct with a `PolicyIdentity identity` member, a
// `static Item defaults(const PolicyIdentity&)` and a
// `static constexpr std::string_view kKind` ("Call Via Work policy").
// Validation of an item's own fields is the owner's job, done before it
// calls insert()/replace(), so every owner operation either fully applies or
// leaves the catalogue as it was.
//
// Not thread-safe: one owner thread, like the rest of the application layer.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "directory/policy_identity.hpp"
#include "directory/text.hpp"

namespace cvw::directory {

// An effective item: a copy, so it stays valid whatever the catalogue does next.
template <typename Item>
struct Effective {
  Item item;
  PolicyIdentity identity;
  PolicySource source = PolicySource::kGlobal;
  bool granted_tag_missing = false;
};

template <typename Item>
class ScopedCatalogue {
 public:
  ScopedCatalogue() {
    items_.emplace(key_of(PolicyIdentity::global()), Item::defaults(PolicyIdentity::global()));
  }

  const Item* find(const PolicyIdentity& id) const {
    const auto it = items_.find(key_of(id));
    return it == items_.end() ? nullptr : &it->second;
  }

  Result<Item> get(const PolicyIdentity& id) const {
    if (const Item* item = find(id)) return *item;
    return missing(id);
  }

  // Global first, then Site:, then Tag:, each by name ignoring case.
  std::vector<Item> list() const {
    std::vector<Item> out;
    out.reserve(items_.size());
    for (const auto& [key, item] : items_) out.push_back(item);
    return out;
  }

  // May an item with this identity be created?
  Result<void> check_new(const PolicyIdentity& id) const {
    if (id.is_global())
      return detail::conflict("Global: the global " + std::string(Item::kKind) +
                              " always exists; change it with set");
    if (find(id) != nullptr)
      return detail::conflict(id.to_string() + ": a " + std::string(Item::kKind) +
                              " with this identity exists");
    return {};
  }

  // Precondition: check_new(item.identity) succeeded.
  void insert(Item item) {
    auto key = key_of(item.identity);
    items_.emplace(std::move(key), std::move(item));
  }

  // Precondition: find(item.identity) != nullptr.
  void replace(Item item) { items_.at(key_of(item.identity)) = std::move(item); }

  Result<void> remove(const PolicyIdentity& id) {
    const auto it = items_.find(key_of(id));
    if (it == items_.end()) return missing(id);
    if (id.is_global()) {
      it->second = Item::defaults(PolicyIdentity::global());
    } else {
      items_.erase(it);
    }
    return {};
  }

  // Replaces the whole content (loading from storage). Items must already be
  // valid; a duplicate identity is refused and nothing changes. Global gets
  // its defaults when `items` has none.
  Result<void> assign(std::vector<Item> items) {
    std::map<Key, Item> next;
    for (Item& item : items) {
      auto key = key_of(item.identity);
      const std::string shown = item.identity.to_string();
      if (!next.emplace(std::move(key), std::move(item)).second)
        return bad_request(shown + ": listed twice");
    }
    next.try_emplace(key_of(PolicyIdentity::global()), Item::defaults(PolicyIdentity::global()));
    items_.swap(next);
    return {};
  }

  // Grant-Cs...: the policy name to store on the user (nullopt clears the
  // grant). The tag must exist at grant time.
  Result<std::optional<std::string>> check_grant(std::optional<std::string_view> policy_name,
                                                 std::string_view field) const {
    if (!policy_name) return std::optional<std::string>{};
    Result<std::string> name = parse_policy_name(*policy_name, field);
    if (!name) return name.error();
    Result<PolicyIdentity> id = PolicyIdentity::tag(*name);
    if (!id) return id.error();
    if (find(*id) == nullptr) return missing(*id);
    return std::optional<std::string>(find(*id)->identity.name());
  }

  Effective<Item> effective(const std::optional<std::string>& granted_tag,
                            std::string_view site) const {
    const Resolution<Item> r = resolve_effective<Item>(
        granted_tag, site, [this](const PolicyIdentity& id) { return find(id); });
    // The constructor and remove() keep Global present, so r.item is set. The
    // identity is the item's own, in the spelling it was created with.
    return Effective<Item>{*r.item, r.item->identity, r.source, r.granted_tag_missing};
  }

 private:
  // (scope, case-folded name): the map order is the list() order.
  using Key = std::pair<PolicyScope, std::string>;
  static Key key_of(const PolicyIdentity& id) { return {id.scope(), detail::to_lower(id.name())}; }

  static Error missing(const PolicyIdentity& id) {
    return detail::not_found(id.to_string() + ": no such " + std::string(Item::kKind));
  }

  std::map<Key, Item> items_;
};

}  // namespace cvw::directory
