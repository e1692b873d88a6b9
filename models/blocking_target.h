// The forward interface of a TLM-2.0 target that speaks the blocking and debug transports only (every
// model here is loosely timed). A module derives from it and binds its tlm_target_socket's export to
// itself, so an initiator's b_transport reaches the module with one virtual call: simple_target_socket
// would add a forwarding object and a member-function-pointer call on every hop of every transaction.
#pragma once

#include <systemc>
#include <tlm>

namespace daxsim::models {

class BlockingTarget : public tlm::tlm_fw_transport_if<> {
  public:
    // Not a non-blocking target: an initiator using the four-phase protocol is a wiring error.
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& /*phase*/,
                                       sc_core::sc_time& /*delay*/) override {
        SC_REPORT_ERROR("daxsim/blocking_target", "nb_transport_fw on a blocking-only target");
        trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return tlm::TLM_COMPLETED;
    }
    // No direct memory interface: every access must see the model's timing and poison.
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& /*trans*/, tlm::tlm_dmi& /*dmi*/) override {
        return false;
    }
};

} // namespace daxsim::models
