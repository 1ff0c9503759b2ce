-- tcpconn_lite.lua - the basic part of tcpconn as a plain Lua post-dissector.
--
-- The benchmark's baseline: roughly what a Wireshark user would write instead
-- of the tcpconn plugin. Per tcp.stream it tells refused, no-answer,
-- icmp-unreachable, half-open, established(-after-retry),
-- reset-after-established and closed-before-data apart, with none of the
-- plugin's care (no port reuse, no direction checks, no sequence numbers).
--
--   tshark -X lua_script:bench/tcpconn_lite.lua -r x.pcap -2 \
--          -T fields -e tcp.stream -e tcpconn_lua.reason
--
-- In one pass a frame shows the outcome as known at that frame (so the last
-- frame of each stream has the final one). With -2 every frame shows the
-- final outcome, but only if the first pass builds a protocol tree: tshark
-- 4.0 builds none without -R or -Y, and Field extractors then return nothing,
-- so add e.g. -Y frame (otherwise the second pass behaves like one pass).
-- ICMP errors count only when Wireshark gives the quoted segment a
-- tcp.stream, i.e. when the whole TCP header is quoted.
--
-- SPDX-License-Identifier: GPL-2.0-or-later

local proto = Proto("tcpconn_lua", "TCP connection outcome (Lua)")
local f_reason = ProtoField.string("tcpconn_lua.reason", "Reason")
proto.fields = { f_reason }

local f_stream = Field.new("tcp.stream")
local f_syn = Field.new("tcp.flags.syn")
local f_ack = Field.new("tcp.flags.ack")
local f_rst = Field.new("tcp.flags.reset")
local f_fin = Field.new("tcp.flags.fin")
local f_len = Field.new("tcp.len")
local f_icmp_type = Field.new("icmp.type")

-- tcp.stream -> { last, syns, synacks, connected, data, decided }
local streams = {}

function proto.init()
    streams = {}
end

-- Updates the state of one stream with the current frame (first pass only).
local function update(s)
    if s.decided then
        return
    end
    local icmp = f_icmp_type()
    if icmp then
        if icmp.value == 3 and s.synacks == 0 then
            s.decided = "icmp-unreachable"
        end
        return
    end
    local syn, ack = f_syn().value, f_ack().value
    local rst, fin = f_rst().value, f_fin().value
    if rst then
        if s.synacks == 0 then
            s.decided = "refused"
        elseif not s.connected then
            s.decided = "half-open"
        elseif not s.data then
            s.decided = "reset-after-established"
        end
    elseif syn and ack then
        s.synacks = s.synacks + 1
    elseif syn then
        s.syns = s.syns + 1
    elseif ack and s.synacks > 0 then
        s.connected = true
    end
    if s.connected and f_len().value > 0 then
        s.data = true
    end
    if fin and s.connected and not s.data then
        s.decided = "closed-before-data"
    end
end

-- The outcome so far; at the end of the capture it is the final one.
local function reason(s)
    if s.decided then
        return s.decided
    elseif s.connected then
        if s.syns > 1 or s.synacks > 1 then
            return "established-after-retry"
        end
        return "established"
    elseif s.synacks > 0 then
        return "half-open"
    end
    return "no-answer"
end

function proto.dissector(tvb, pinfo, tree)
    local stream = f_stream()
    if not stream then
        return
    end
    stream = stream.value
    local s = streams[stream]
    if not s then
        s = { last = 0, syns = 0, synacks = 0 }
        streams[stream] = s
    end
    -- Learn from each frame once: on the first pass, or on the first visit
    -- that had fields (see above).
    if not pinfo.visited or pinfo.number > s.last then
        s.last = pinfo.number
        update(s)
    end
    tree:add(proto):add(f_reason, reason(s))
end

register_postdissector(proto)
