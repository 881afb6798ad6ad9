package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hellostack.cfn.resolve.ResolveException;
import dev.hellostack.cfn.resolve.Resolver;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The network stack's choice of Availability Zones, resolved for given parameter values. */
class NetworkZonesTest {

    private static final Map<String, Object> TEMPLATE = new NetworkStack().template().toCfn();

    @SuppressWarnings("unchecked")
    private static Map<String, Object> subnet(Map<String, Object> resolved, String id) {
        return (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) resolved.get("Resources")).get(id))
                .get("Properties");
    }

    @Test
    void byDefaultTheFirstZonesOfGetAzs() {
        Map<String, Object> t = new Resolver(null).resolve("network.yaml", TEMPLATE, Map.of());
        for (String id : List.of("PublicSubnet1", "PrivateSubnet2")) {
            Map<String, Object> p = subnet(t, id);
            assertFalse(p.containsKey("AvailabilityZoneId"), id);
            assertTrue(p.get("AvailabilityZone").toString().contains("Fn::GetAZs"), id);
        }
        assertFalse(((Map<?, ?>) t.get("Resources")).containsKey("PublicSubnet3"), "two zones by default");
    }

    @Test
    void chosenZoneIdsGoToTheSubnetsInOrder() {
        Map<String, Object> t = new Resolver(null).resolve("network.yaml", TEMPLATE,
                Map.of("AvailabilityZones", "3", "AvailabilityZoneIds", "euw1-az3,euw1-az1,euw1-az2"));
        assertEquals("euw1-az3", subnet(t, "PublicSubnet1").get("AvailabilityZoneId"));
        assertEquals("euw1-az1", subnet(t, "PrivateSubnet2").get("AvailabilityZoneId"));
        assertEquals("euw1-az2", subnet(t, "PrivateSubnet3").get("AvailabilityZoneId"));
        assertFalse(subnet(t, "PrivateSubnet3").containsKey("AvailabilityZone"));
    }

    @Test
    void fewerIdsThanZonesIsCaughtBeforeDeploying() {
        ResolveException e = assertThrows(ResolveException.class, () -> new Resolver(null).resolve("network.yaml", TEMPLATE,
                Map.of("AvailabilityZones", "3", "AvailabilityZoneIds", "euw1-az3,euw1-az1")));
        assertTrue(e.getMessage().contains("Fn::Select index 2 is out of range"), e.getMessage());
        assertThrows(ResolveException.class, () -> new Resolver(null).resolve("network.yaml", TEMPLATE,
                Map.of("AvailabilityZoneIds", "eu-west-1a,eu-west-1b")), "names are not ids");
    }
}
