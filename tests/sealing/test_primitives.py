"""helpportal.sealing: what opens, and that everything else is refused whole."""

import pytest

from helpportal import sealing


def test_a_sealed_box_opens_with_its_private_key_only():
    pair, other = sealing.keypair(), sealing.keypair()
    box = sealing.seal(pair.public, b"words")
    assert sealing.unseal(pair.private, box) == b"words"
    with pytest.raises(sealing.SealError):
        sealing.unseal(other.private, box)


@pytest.mark.parametrize("damage", [
    lambda box: box[:-1],  # truncated
    lambda box: box[:10],
    lambda box: b"",
    lambda box: box[:-1] + bytes([box[-1] ^ 1]),  # one bit flipped
    lambda box: bytes(48) + box[48:],  # another ephemeral key
])
def test_a_damaged_sealed_box_is_refused_never_partly_opened(damage):
    pair = sealing.keypair()
    with pytest.raises(sealing.SealError):
        sealing.unseal(pair.private, damage(sealing.seal(pair.public, b"words")))


def test_a_secret_box_opens_with_its_key_only():
    key = bytes(range(32))
    box = sealing.lock(key, b"private key")
    assert sealing.unlock(key, box) == b"private key"
    with pytest.raises(sealing.SealError):
        sealing.unlock(bytes(32), box)
    with pytest.raises(sealing.SealError):
        sealing.unlock(key, box[:-2])
    with pytest.raises(sealing.SealError):
        sealing.unlock(b"short", box)  # not a key at all


def test_a_key_pair_from_a_seed_is_the_same_every_time_and_differs_by_seed():
    one, again = sealing.keypair_from_seed(bytes(32)), sealing.keypair_from_seed(bytes(32))
    assert one == again
    assert one != sealing.keypair_from_seed(bytes([1]) + bytes(31))
    assert sealing.public_of(one.private) == one.public


def test_a_password_key_depends_on_password_salt_and_parameters(settings):
    params = sealing.password_params_new()
    assert params.opslimit == settings.PASSWORD_KEY_OPSLIMIT
    key = sealing.password_key("a long enough password", params)
    assert len(key) == 32
    assert key == sealing.password_key("a long enough password", params)
    assert key != sealing.password_key("a long enough passworD", params)
    assert key != sealing.password_key("a long enough password", sealing.password_params_new())
    more = sealing.PasswordParams(params.salt, params.opslimit + 1, params.memlimit)
    assert key != sealing.password_key("a long enough password", more)


def test_derived_keys_differ_by_purpose_and_pepper():
    one = sealing.secret_key("alpha-beta", pepper=b"pepper", purpose="codename-lookup")
    assert one == sealing.secret_key("alpha-beta", pepper=b"pepper", purpose="codename-lookup")
    assert one != sealing.secret_key("alpha-beta", pepper=b"pepper", purpose="codename-key")
    assert one != sealing.secret_key("alpha-beta", pepper=b"other", purpose="codename-lookup")
    assert one != sealing.secret_key("alpha-betb", pepper=b"pepper", purpose="codename-lookup")


def test_a_joined_key_needs_both_halves():
    one, other = bytes(32), bytes([7]) * 32
    key = sealing.joined_key(one, other, purpose=b"test")
    assert key == sealing.joined_key(one, other, purpose=b"test")
    assert key != sealing.joined_key(other, one, purpose=b"test")
    assert key != sealing.joined_key(one, bytes(32), purpose=b"test")


def test_a_recovery_key_has_200_bits_and_is_read_back_however_it_is_typed():
    key = sealing.recovery_key_new()
    groups = key.split("-")
    assert len(groups) == sealing.RECOVERY_GROUPS and all(len(group) == 5 for group in groups)
    assert key != sealing.recovery_key_new()
    typed = " ".join(groups).lower()
    assert sealing.recovery_key_normalise(typed) == key
    assert sealing.recovery_key_normalise("o0i1-b8") == sealing.recovery_key_normalise("OOII-BB")


def test_no_more_memory_hard_derivations_run_at_once_than_the_setting_allows(settings):
    """A burst of sign-ins waits for a slot instead of holding more Argon2id memory."""
    import threading

    slots = settings.PASSWORD_KEY_CONCURRENCY
    entered, release = threading.Barrier(slots + 1), threading.Event()

    def hold():
        with sealing.derivation_slot():
            entered.wait(timeout=5)
            release.wait(timeout=5)

    holders = [threading.Thread(target=hold) for _ in range(slots)]
    for thread in holders:
        thread.start()
    entered.wait(timeout=5)  # every slot is taken now
    waiting = sealing._derivation_slots().acquire(timeout=0.2)
    release.set()
    for thread in holders:
        thread.join(timeout=5)
    assert waiting is False  # one more had to wait
    with sealing.derivation_slot():  # and gets its turn once one is free
        pass
